namespace Bus.Cli;

/// <summary>What <c>bus</c> exits with; scripts depend on these, so they never change meaning.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The Gateway refused the request (400, 409, 413, 415, …): the request itself must change.</summary>
    public const int Refused = 1;

    /// <summary>Bad command line: unknown command or option, a missing or malformed value, an unreadable <c>@file</c>.</summary>
    public const int Usage = 2;

    /// <summary>401 or 403: no token, a bad or expired one, or a role too low for the command.</summary>
    public const int Unauthorized = 3;

    /// <summary>404: no such task, queue, schedule or error-queue message (or the demo endpoint is off).</summary>
    public const int NotFound = 4;

    /// <summary>The Gateway is unreachable, timed out, or answered 5xx (429 too): retrying later may work.</summary>
    public const int Unavailable = 5;

    public static int ForStatus(int status) => status switch
    {
        401 or 403 => Unauthorized,
        404 => NotFound,
        429 or >= 500 => Unavailable,
        _ => Refused,
    };

    /// <summary>The table <c>bus --help</c> and the README show.</summary>
    public const string Help = """
        Exit codes:
          0  ok
          1  the Gateway refused the request (400, 409, 413, …)
          2  usage error (bad command line or @file)
          3  unauthorized or forbidden (401/403: set --token or BUS_TOKEN)
          4  not found (404)
          5  Gateway unreachable, timed out or failing (5xx, 429)
        """;
}
