namespace Bus.Gateway.Security;

/// <summary>Bound from <c>Cors</c>: the browser origins (e.g. a dashboard on another host) allowed to call the API.</summary>
public sealed class GatewayCorsOptions
{
    public const string Section = "Cors";

    /// <summary>Exact origins such as <c>https://dashboard.example.com</c>; empty (the default) allows no cross-origin call.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}
