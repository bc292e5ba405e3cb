using System.Net.Mail;
using System.Text.Json;
using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary><c>email_notification</c>: either subject + body, or a template with its variables.</summary>
public sealed class EmailNotificationTaskType : ITaskType
{
    private const int MaxRecipients = 50;
    private const int MaxAddressLength = 320;
    private const int MaxSubjectLength = 998;
    private const int MaxBodyLength = 512 * 1024;

    private static readonly HashSet<string> Fields = ["to", "cc", "subject", "body", "template", "variables", "isHtml"];

    public TaskRoute Route => TaskRoutes.EmailNotification;

    /// <summary>A verification link carries the token that proves the address: whoever reads it can verify it.</summary>
    public IReadOnlyList<string> SensitiveFields { get; } = ["variables.verificationLink"];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        to = new[] { "user@example.com" },
        template = EmailTemplates.Welcome,
        variables = new Dictionary<string, string> { ["firstName"] = "Ada" },
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var to = reader.ReadStringList(data, "to", required: true, MaxRecipients, MaxAddressLength);
        var cc = reader.ReadStringList(data, "cc", required: false, MaxRecipients, MaxAddressLength);
        var subject = reader.ReadString(data, "subject", required: false, MaxSubjectLength);
        var body = reader.ReadString(data, "body", required: false, MaxBodyLength);
        var template = reader.ReadString(data, "template", required: false, 100);
        var variables = reader.ReadStringMap(data, "variables", maxEntries: 50, maxLength: 4096);
        var isHtml = reader.ReadBool(data, "isHtml") ?? false;

        CheckAddresses(reader, "to", to);
        CheckAddresses(reader, "cc", cc);
        CheckContent(reader, subject, body, template, variables);

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new SendEmail(taskId, to!, subject, body, template, variables, cc, isHtml));
    }

    private static void CheckAddresses(JsonFieldReader reader, string field, IReadOnlyList<string>? addresses)
    {
        for (var i = 0; i < (addresses?.Count ?? 0); i++)
        {
            if (!IsPlainAddress(addresses![i]))
                reader.AddError($"{reader.PathOf(field)}[{i}]", $"'{addresses[i]}' is not a valid e-mail address");
        }
    }

    internal static bool IsPlainAddress(string address) =>
        MailAddress.TryCreate(address, out var parsed)
        && parsed.Address == address.Trim()
        && parsed.Host.Contains('.')
        && !address.Any(char.IsControl);

    private static void CheckContent(JsonFieldReader reader, string? subject, string? body, string? template, IReadOnlyDictionary<string, string>? variables)
    {
        if (template is null)
        {
            if (string.IsNullOrWhiteSpace(subject))
                reader.AddError(reader.PathOf("subject"), "is required unless a template is given");
            if (string.IsNullOrWhiteSpace(body))
                reader.AddError(reader.PathOf("body"), "is required unless a template is given");
            return;
        }
        if (!EmailTemplates.RequiredVariables.TryGetValue(template, out var required))
        {
            reader.AddError(reader.PathOf("template"), $"'{template}' is not a known template; expected one of: {string.Join(", ", EmailTemplates.RequiredVariables.Keys)}");
            return;
        }
        foreach (var name in required.Where(n => variables is null || !variables.ContainsKey(n)))
            reader.AddError($"{reader.PathOf("variables")}.{name}", $"is required by template '{template}'");
    }
}
