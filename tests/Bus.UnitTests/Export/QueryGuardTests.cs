extern alias export;
using export::Bus.ExportService;

namespace Bus.UnitTests.Export;

public sealed class QueryGuardTests
{
    [Theory]
    [InlineData("SELECT * FROM users WHERE active = true")]
    [InlineData("select 1;")]
    [InlineData("  WITH t AS (SELECT 1 AS a) SELECT a FROM t ;  -- trailing comment")]
    [InlineData("SELECT 'a;b', \"x;y\" FROM t")]
    [InlineData("SELECT $$;DROP TABLE users$$, $tag$ ; $tag$")]
    [InlineData("SELECT E'it\\'s; fine' /* ; nested /* ; */ still */")]
    [InlineData("SELECT E'\\'; DELETE FROM users --'")]
    [InlineData("VALUES (1), (2)")]
    [InlineData("SELECT $1::int")]
    public void A_single_read_statement_may_run(string query) =>
        Assert.Null(QueryGuard.Check(query));

    [Theory]
    [InlineData("DELETE FROM users", "DELETE")]
    [InlineData("UPDATE users SET active = false", "UPDATE")]
    [InlineData("SELECT 1; DROP TABLE users", "single statement")]
    [InlineData("SELECT 1 -- x\n; DROP TABLE users", "single statement")]
    [InlineData("SELECT 'x'; DELETE FROM users", "single statement")]
    [InlineData("SELECT '\\'; DELETE FROM users --'", "single statement")]
    [InlineData("SELECT 'unterminated", "unterminated")]
    [InlineData("SELECT /* open", "unterminated")]
    [InlineData("SELECT $a$ open", "unterminated")]
    [InlineData("   ", "empty")]
    [InlineData("COPY users TO '/tmp/x'", "COPY")]
    [InlineData("/* hide */ INSERT INTO users VALUES (1)", "INSERT")]
    public void Anything_else_is_refused_with_its_reason(string query, string reason)
    {
        var refusal = QueryGuard.Check(query);

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.OrdinalIgnoreCase);
    }
}
