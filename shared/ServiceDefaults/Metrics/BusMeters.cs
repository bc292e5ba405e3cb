namespace Bus.ServiceDefaults.Metrics;

/// <summary>Every meter of Bus' own is named <c>Bus.&lt;area&gt;</c>; ServiceDefaults exports them all by this prefix.</summary>
public static class BusMeters
{
    public const string Prefix = "Bus.";

    /// <summary>The meter name pattern OpenTelemetry is given: a service's new meter needs no registration of its own.</summary>
    public const string All = Prefix + "*";
}
