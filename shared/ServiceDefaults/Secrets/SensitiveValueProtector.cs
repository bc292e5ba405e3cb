using System.Security.Cryptography;
using System.Text;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Secrets;

/// <summary>
/// Encrypts one sensitive string (a password, a token, a link carrying a token) with AES-256-GCM into
/// <c>enc:v1:&lt;keyId&gt;:&lt;base64url(nonce | ciphertext | tag)&gt;</c>, and back. Protected values travel inside the
/// ordinary task data and commands, so every hop between the Gateway and the worker that needs the clear value —
/// RabbitMQ, the Scheduler's job store, the task table — only ever holds ciphertext.
/// </summary>
public sealed class SensitiveValueProtector
{
    public const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly string _keyId;
    private readonly byte[] _key;
    private readonly Dictionary<string, byte[]> _keys;

    public SensitiveValueProtector(IOptions<EncryptionOptions> options)
    {
        var settings = options.Value;
        _keyId = settings.KeyId;
        _key = Convert.FromBase64String(settings.Key);
        _keys = settings.RetiredKeys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value), StringComparer.Ordinal);
        _keys[_keyId] = _key;
    }

    public static bool IsProtected(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The protected form of <paramref name="value"/>; a value that is already protected is returned as it is.</summary>
    public string Protect(string value)
    {
        if (IsProtected(value))
            return value;
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), KeyIdBytes(_keyId));
        return $"{Prefix}{_keyId}:{Base64Url(sealedBytes)}";
    }

    /// <summary>The clear value; a value that was never protected is returned as it is.</summary>
    /// <exception cref="PermanentTaskException">The value names an unknown key or was altered: no retry can fix that.</exception>
    public string Reveal(string value)
    {
        if (!IsProtected(value))
            return value;
        var rest = value.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0)
            throw new PermanentTaskException("A protected value is malformed");
        var keyId = rest[..colon].ToString();
        if (!_keys.TryGetValue(keyId, out var key))
            throw new PermanentTaskException($"A protected value names key '{keyId}', which this service does not have (Encryption:KeyId / RetiredKeys)");

        byte[] sealedBytes;
        try
        {
            sealedBytes = FromBase64Url(rest[(colon + 1)..].ToString());
        }
        catch (FormatException)
        {
            throw new PermanentTaskException("A protected value is malformed");
        }
        if (sealedBytes.Length < NonceSize + TagSize)
            throw new PermanentTaskException("A protected value is malformed");

        var cipherLength = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, cipherLength),
                sealedBytes.AsSpan(NonceSize + cipherLength), plain, KeyIdBytes(keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new PermanentTaskException($"A protected value does not verify under key '{keyId}': it was altered or encrypted with another key");
        }
        return Encoding.UTF8.GetString(plain);
    }

    // The key id is authenticated too, so a value can't be relabelled to another key.
    private static byte[] KeyIdBytes(string keyId) => Encoding.ASCII.GetBytes(keyId);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='));
    }
}
