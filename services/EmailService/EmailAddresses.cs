using MimeKit;

namespace Bus.EmailService;

public static class EmailAddresses
{
    // MimeKit's defaults accept "alice" (no domain), which no relay can deliver to.
    private static readonly ParserOptions Strict = new()
    {
        AllowAddressesWithoutDomain = false,
        AddressParserComplianceMode = RfcComplianceMode.Strict,
    };

    public static bool TryParse(string? value, out MailboxAddress mailbox)
    {
        mailbox = null!;
        if (string.IsNullOrWhiteSpace(value) || !MailboxAddress.TryParse(Strict, value, out var parsed))
            return false;
        if (string.IsNullOrEmpty(parsed.LocalPart) || string.IsNullOrEmpty(parsed.Domain))
            return false;
        mailbox = parsed;
        return true;
    }
}
