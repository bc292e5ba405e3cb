namespace Bus.Gateway.Tasks.Types;

/// <summary>
/// A first, cheap look at a storage path from a request: ExportService resolves it against its storage root and is
/// the one that decides (symlinks can only be checked there); this only turns obvious mistakes into a 400.
/// </summary>
internal static class ExportPaths
{
    public const int MaxLength = 1024;

    public static void Check(JsonFieldReader reader, string field, string? path)
    {
        if (path is null)
            return;
        if (path.Any(char.IsControl))
            reader.AddError(reader.PathOf(field), "must not contain control characters");
        else if (path.Replace('\\', '/').Split('/').Any(segment => segment == ".."))
            reader.AddError(reader.PathOf(field), "must not contain '..': paths stay inside the storage root");
        else if (path.TrimEnd().EndsWith('/'))
            reader.AddError(reader.PathOf(field), "must name a file, not a directory");
    }

    public static void CheckChoice(JsonFieldReader reader, string field, string? value, IReadOnlyList<string> allowed)
    {
        if (value is not null && !allowed.Contains(value))
            reader.AddError(reader.PathOf(field), $"'{value}' is not supported; expected one of: {string.Join(", ", allowed)}");
    }
}
