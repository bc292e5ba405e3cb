using System.ComponentModel.DataAnnotations;
using Bus.Gateway.Dashboard;

namespace Bus.UnitTests.Dashboard;

public sealed class DashboardPasswordsTests
{
    [Fact]
    public void A_hash_verifies_its_password_only_and_never_repeats()
    {
        var hash = DashboardPasswords.Hash("correct horse");

        Assert.True(DashboardPasswords.IsHash(hash));
        Assert.True(DashboardPasswords.Verify(new DashboardUser { PasswordHash = hash }, "correct horse"));
        Assert.False(DashboardPasswords.Verify(new DashboardUser { PasswordHash = hash }, "correct horse "));
        Assert.NotEqual(hash, DashboardPasswords.Hash("correct horse"));
    }

    [Fact]
    public void A_plain_password_matches_exactly_and_an_unknown_user_never_matches()
    {
        Assert.True(DashboardPasswords.Verify(new DashboardUser { Password = "dev" }, "dev"));
        Assert.False(DashboardPasswords.Verify(new DashboardUser { Password = "dev" }, "Dev"));
        Assert.False(DashboardPasswords.Verify(null, "decoy-password-for-unknown-users"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$210000$not base64$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("md5$210000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    public void Anything_but_a_printed_hash_is_not_a_hash(string text) => Assert.False(DashboardPasswords.IsHash(text));

    [Fact]
    public void Options_name_each_user_with_a_bad_role_or_password_setting()
    {
        var options = new DashboardOptions
        {
            Users =
            {
                ["ok"] = new DashboardUser { Password = "p", Role = "admin" },
                ["both"] = new DashboardUser { Password = "p", PasswordHash = DashboardPasswords.Hash("p") },
                ["neither"] = new DashboardUser(),
                ["bad-hash"] = new DashboardUser { PasswordHash = "plain" },
                ["bad-role"] = new DashboardUser { Password = "p", Role = "root" },
            },
        };

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p!.Contains("Users:both needs exactly one"));
        Assert.Contains(problems, p => p!.Contains("Users:neither needs exactly one"));
        Assert.Contains(problems, p => p!.Contains("Users:bad-hash:PasswordHash"));
        Assert.Contains(problems, p => p!.Contains("Users:bad-role:Role"));
    }

    [Fact]
    public void The_hash_password_command_prints_a_hash_of_standard_input()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, HashPasswordCommand.Execute(new StringReader("s3cret\n"), output, error));
        Assert.True(DashboardPasswords.Verify(new DashboardUser { PasswordHash = output.ToString().Trim() }, "s3cret"));
        Assert.Equal(2, HashPasswordCommand.Execute(new StringReader(""), new StringWriter(), error));
    }
}
