using System.Buffers;

namespace Bus.Gateway.Api;

public static class RequestBody
{
    /// <summary>The whole body, or null when it is longer than <paramref name="maxBytes"/> (read no further than that).</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            return null;

        var declared = (int?)request.ContentLength;
        var buffer = new ArrayBufferWriter<byte>(Math.Min(maxBytes, declared ?? 4096) + 1);
        while (true)
        {
            // A declared length is read into the buffer sized for it (one byte over shows a longer body) instead of
            // growing it to 4 KB for a body of a hundred bytes on every request.
            var memory = buffer.GetMemory(declared is { } length && buffer.WrittenCount <= length ? length + 1 - buffer.WrittenCount : 4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
                return buffer.WrittenMemory;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
                return null;
        }
    }
}
