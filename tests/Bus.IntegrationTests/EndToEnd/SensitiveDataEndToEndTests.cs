using System.Net;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.EndToEnd;

[Collection(RunningSystemCollection.Name)]
public sealed class SensitiveDataEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task A_secret_reaches_the_mail_but_no_answer_log_line_stored_row_or_message_body()
    {
        var secret = $"TOKEN-{Guid.NewGuid():N}";
        var link = $"https://example.com/verify?token={secret}";

        var delivered = await SubmitVerifyMailAsync(link);
        var task = await system.WaitForStatusAsync(delivered, "Completed");
        Assert.Contains(system.Smtp.Received, m => m.Message.TextBody?.Contains(link) == true);
        Assert.DoesNotContain(secret, task.GetRawText());
        Assert.Equal("[redacted]", task.GetProperty("data").GetProperty("variables").GetProperty("verificationLink").GetString());

        // A second task whose message is kept in email_error, where its body can be read.
        system.SmtpGate.Down();
        Guid failed;
        try
        {
            failed = await SubmitVerifyMailAsync(link);
            await system.WaitForStatusAsync(failed, "Failed");
        }
        finally
        {
            system.SmtpGate.Up();
        }
        var faulted = await system.WaitForErrorQueueMessagesAsync(failed);
        Assert.NotEmpty(faulted);
        Assert.All(faulted, m => Assert.DoesNotContain(secret, m.Payload));
        Assert.All(faulted, m => Assert.Contains("enc:v1:", m.Payload));

        var listed = await system.Gateway.GetStringAsync($"/tasks?q={delivered}");
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain(secret, await StoredRowsAsync(delivered, failed));
        foreach (var service in system.Services)
            Assert.DoesNotContain(secret, await ReadSharedAsync(service.LogPath));
    }

    private async Task<Guid> SubmitVerifyMailAsync(string link)
    {
        var response = await system.SubmitAsync(new
        {
            type = "email_notification",
            data = new
            {
                to = new[] { "ada@example.com" },
                template = "verify",
                variables = new Dictionary<string, string> { ["firstName"] = "Ada", ["verificationLink"] = link },
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.DoesNotContain(link, await response.Content.ReadAsStringAsync());
        return await RunningSystem.TaskIdOf(response);
    }

    private async Task<string> StoredRowsAsync(params Guid[] taskIds)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(t::text, ' ') FROM bus.tasks t WHERE t.id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", taskIds);
        var rows = (string?)await command.ExecuteScalarAsync() ?? "";
        Assert.Contains("enc:v1:", rows);
        return rows;
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
