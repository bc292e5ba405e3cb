using System.Runtime.InteropServices;
using Bus.Gateway.Api;
using Microsoft.AspNetCore.Http;

namespace Bus.UnitTests.Api;

public sealed class RequestBodyTests
{
    [Fact]
    public async Task A_body_of_its_declared_length_is_read_whole_into_a_buffer_of_that_size()
    {
        var body = RandomBytes(120);

        var read = await RequestBody.ReadBoundedAsync(Request(body, declared: true), maxBytes: 1_000_000, CancellationToken.None);

        Assert.Equal(body, read!.Value.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(read.Value, out var segment));
        Assert.InRange(segment.Array!.Length, body.Length, body.Length + 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(bool declared)
    {
        var atLimit = await RequestBody.ReadBoundedAsync(Request(RandomBytes(10_000), declared), maxBytes: 10_000, CancellationToken.None);
        var over = await RequestBody.ReadBoundedAsync(Request(RandomBytes(10_001), declared), maxBytes: 10_000, CancellationToken.None);

        Assert.Equal(10_000, atLimit!.Value.Length);
        Assert.Null(over);
    }

    [Fact]
    public async Task A_body_without_a_declared_length_is_read_across_many_small_reads()
    {
        var body = RandomBytes(20_000);
        var request = new DefaultHttpContext().Request;
        request.Body = new TrickleStream(body, bytesPerRead: 7);

        var read = await RequestBody.ReadBoundedAsync(request, maxBytes: 1_000_000, CancellationToken.None);

        Assert.Equal(body, read!.Value.ToArray());
    }

    [Fact]
    public async Task A_body_longer_than_it_declared_is_still_held_to_the_limit()
    {
        var request = new DefaultHttpContext().Request;
        request.Body = new MemoryStream(RandomBytes(50_000));
        request.ContentLength = 100;

        Assert.Null(await RequestBody.ReadBoundedAsync(request, maxBytes: 10_000, CancellationToken.None));
    }

    private static HttpRequest Request(byte[] body, bool declared)
    {
        var request = new DefaultHttpContext().Request;
        request.Body = new MemoryStream(body);
        if (declared)
            request.ContentLength = body.Length;
        return request;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A body that arrives a few bytes at a time, as over a slow connection.</summary>
    private sealed class TrickleStream(byte[] content, int bytesPerRead) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);
    }
}
