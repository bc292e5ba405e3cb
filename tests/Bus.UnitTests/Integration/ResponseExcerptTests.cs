extern alias integration;
using System.Text;
using integration::Bus.IntegrationService.Outbound;

namespace Bus.UnitTests.Integration;

public sealed class ResponseExcerptTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-4f9a0c";
    private static readonly string[] Sent = [$"Bearer {Token}", Token];

    [Fact]
    public void Every_whole_value_the_request_sent_is_redacted_and_the_excerpt_is_cut_to_its_length()
    {
        var answer = Bytes($"invalid token: Bearer {Token} (expired)");

        Assert.Equal("invalid token: [redacted] (expired)", ResponseExcerpt.From(answer, cut: false, Sent, length: 100));
        Assert.Equal("invalid token: [red", ResponseExcerpt.From(answer, cut: false, Sent, length: 19));
    }

    [Fact]
    public void A_value_cut_in_two_where_the_kept_bytes_stop_shows_none_of_its_characters()
    {
        // The kept bytes end 20 characters into the token; replacing the earlier whole token shortens the text so
        // that its end falls inside the excerpt.
        var quoted = $"{Token} was refused; expected {Token}";
        var kept = Bytes(quoted[..(quoted.LastIndexOf(Token, StringComparison.Ordinal) + 20)]);

        var excerpt = ResponseExcerpt.From(kept, cut: true, Sent, length: 100);

        Assert.Equal("[redacted] was refused; expected [redacted]", excerpt);
        Assert.DoesNotContain(Token[..5], excerpt);
    }

    [Fact]
    public void Text_that_merely_ends_like_no_value_is_kept_whole()
    {
        var excerpt = ResponseExcerpt.From(Bytes("service unavailable, try again later"), cut: true, Sent, length: 100);

        Assert.Equal("service unavailable, try again later", excerpt);
    }

    [Fact]
    public void A_multi_byte_character_cut_at_the_end_does_not_shield_a_value_s_first_characters()
    {
        var kept = Bytes($"token {Token[..12]}é")[..^1];

        Assert.Equal("token [redacted]", ResponseExcerpt.From(kept, cut: true, Sent, length: 100));
    }

    [Theory]
    [InlineData("retry: abab", "ababc-0123456789", "retry: [redacted]")]
    [InlineData("retry: aaaa", "aab-0123456789", "retry: aa[redacted]")]
    [InlineData("retry: aab-012", "aab-0123456789", "retry: [redacted]")]
    [InlineData("retry: abc", "abd-0123456789", "retry: abc")]
    public void The_longest_end_that_could_start_a_value_goes_even_where_the_value_repeats_itself(string kept, string value, string expected)
    {
        Assert.Equal(expected, ResponseExcerpt.From(Bytes(kept), cut: true, [value], length: 100));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
