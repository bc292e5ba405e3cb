using System.Text.Json;
using System.Text.RegularExpressions;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.Integration;

/// <summary><c>sms_notification</c>: <c>to</c> (an E.164 number) and <c>message</c>.</summary>
public sealed partial class SmsNotificationTaskType : ITaskType
{
    /// <summary>Ten concatenated segments: providers refuse or bill beyond that.</summary>
    private const int MaxMessageLength = 1600;

    private static readonly HashSet<string> Fields = ["to", "message"];

    public TaskRoute Route => TaskRoutes.SmsNotification;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { to = "+15551234567", message = "Your code is 123456" });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var to = reader.ReadString(data, "to", required: true, 20);
        var message = reader.ReadString(data, "message", required: true, MaxMessageLength);
        if (to is not null && !PhoneNumber().IsMatch(to))
            reader.AddError(reader.PathOf("to"), "must be a phone number in E.164 form, e.g. +15551234567");

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new SendSms(taskId, to!, message!));
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneNumber();
}
