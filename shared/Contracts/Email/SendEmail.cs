using Bus.Contracts.Tasks;

namespace Bus.Contracts.Email;

/// <summary>
/// Sends one e-mail from queue <c>email</c> (task type <c>email_notification</c>). Either Subject and Body,
/// or a Template (<c>verify</c>, <c>welcome</c>) with its Variables (e.g. firstName, verificationLink).
/// </summary>
public record SendEmail(
    Guid TaskId,
    IReadOnlyList<string> To,
    string? Subject = null,
    string? Body = null,
    string? Template = null,
    IReadOnlyDictionary<string, string>? Variables = null,
    IReadOnlyList<string>? Cc = null,
    bool IsHtml = false) : ITaskCommand;
