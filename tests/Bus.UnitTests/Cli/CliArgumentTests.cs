using System.Text.Json;
using Bus.Cli;
using Bus.Cli.Commands;

namespace Bus.UnitTests.Cli;

/// <summary>What <c>bus</c> decides before it sends anything: usage errors, request shapes, exit codes, problem lines.</summary>
public sealed class CliArgumentTests
{
    // Nothing listens here, so a test that wrongly reached the network would exit 5, not 2.
    private const string NoGateway = "http://127.0.0.1:9";

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("tasks")]
    [InlineData("tasks", "show")]
    [InlineData("tasks", "show", "not-a-guid")]
    [InlineData("tasks", "list", "--limit", "many")]
    [InlineData("submit", "email_notification")]
    [InlineData("submit", "email_notification", "--data", "{not json")]
    [InlineData("submit", "email_notification", "--data", "@/no/such/file.json")]
    [InlineData("queues", "pause")]
    [InlineData("schedules", "run")]
    [InlineData("demo", "--count", "0")]
    [InlineData("monitor", "--once", "--interval", "0")]
    [InlineData("tasks", "list", "--url", "ftp://example.com")]
    [InlineData("token", "--role", "root", "--signing-key", "0123456789abcdef0123456789abcdef", "--issuer", "bus", "--audience", "bus-api")]
    [InlineData("token", "--role", "admin", "--signing-key", "short", "--issuer", "bus", "--audience", "bus-api")]
    [InlineData("token", "--role", "admin", "--signing-key", "0123456789abcdef0123456789abcdef", "--issuer", "bus", "--audience", "bus-api", "--lifetime", "forever")]
    [InlineData("token", "--role", "admin")]
    public async Task A_bad_command_line_is_a_usage_error_said_on_stderr(params string[] args)
    {
        var (exitCode, output, error) = await RunAsync([.. args, "--url", NoGateway]);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("bus: ", error);
    }

    [Fact]
    public async Task A_token_needs_the_signing_settings_and_says_where_they_come_from()
    {
        var (_, _, error) = await RunAsync(["token", "--role", "admin"]);

        Assert.Contains("BUS_AUTH_", error);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_the_exit_codes()
    {
        var (exitCode, output, _) = await RunAsync(["--help"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        foreach (var command in new[] { "monitor", "submit", "tasks", "queues", "schedules", "demo", "token", "Exit codes:" })
            Assert.Contains(command, output);
    }

    [Fact]
    public async Task Token_prints_only_a_token_with_the_given_roles_from_the_environment_settings()
    {
        var environment = new Dictionary<string, string>
        {
            ["BUS_AUTH_SIGNING_KEY"] = "0123456789abcdef0123456789abcdef",
            ["BUS_AUTH_ISSUER"] = "bus",
            ["BUS_AUTH_AUDIENCE"] = "bus-api",
        };
        var (exitCode, output, _) = await RunAsync(["token", "--role", "admin,viewer", "--subject", "ops"], environment);

        Assert.Equal(ExitCodes.Ok, exitCode);
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(output.Trim());
        Assert.Equal("bus", token.Issuer);
        Assert.Equal(["bus-api"], token.Audiences);
        Assert.Equal("ops", token.Subject);
        Assert.Equal(["admin", "viewer"], token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
    }

    [Theory]
    [InlineData(400, ExitCodes.Refused)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(413, ExitCodes.Refused)]
    [InlineData(401, ExitCodes.Unauthorized)]
    [InlineData(403, ExitCodes.Unauthorized)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(429, ExitCodes.Unavailable)]
    [InlineData(500, ExitCodes.Unavailable)]
    [InlineData(503, ExitCodes.Unavailable)]
    public void Each_status_has_its_exit_code(int status, int exitCode) => Assert.Equal(exitCode, ExitCodes.ForStatus(status));

    [Fact]
    public void A_validation_problem_reads_as_one_line_with_each_field()
    {
        var body = """{"title":"The task is not valid","status":400,"errors":{"data.to[0]":["not an e-mail address"],"priority":["must be 0-10"]}}""";

        Assert.Equal("400 The task is not valid (data.to[0]: not an e-mail address; priority: must be 0-10)", Problem.Describe(400, "Bad Request", body));
    }

    [Fact]
    public void A_body_that_is_not_json_is_quoted_on_one_line()
    {
        Assert.Equal("502 Bad Gateway: upstream down", Problem.Describe(502, "Bad Gateway", "upstream\ndown"));
        Assert.Equal("503 Service Unavailable", Problem.Describe(503, "Service Unavailable", ""));
    }

    [Fact]
    public void Submit_sends_only_the_fields_given()
    {
        var full = JsonDocument.Parse(SubmitCommand.Body("noop", SubmitCommand.ReadData("""{"a":1}"""), 5, "2030-01-01T00:00:00Z", "k")).RootElement;
        var bare = JsonDocument.Parse(SubmitCommand.Body("noop", SubmitCommand.ReadData("{}"), null, null, null)).RootElement;

        Assert.Equal(1, full.GetProperty("data").GetProperty("a").GetInt32());
        Assert.Equal(5, full.GetProperty("priority").GetInt32());
        Assert.Equal("2030-01-01T00:00:00Z", full.GetProperty("runAt").GetString());
        Assert.Equal("k", full.GetProperty("idempotencyKey").GetString());
        Assert.Equal(["type", "data"], bare.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Query_strings_escape_values_and_skip_empty_ones()
    {
        Assert.Equal("?status=Failed%2CCancelled&q=a%20b", TaskCommands.Query(("status", "Failed,Cancelled"), ("type", null), ("q", "a b")));
        Assert.Equal("", TaskCommands.Query(("type", "")));
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await BusCli.RunAsync(args, output, error, name => environment?.GetValueOrDefault(name));
        return (exitCode, output.ToString(), error.ToString());
    }
}
