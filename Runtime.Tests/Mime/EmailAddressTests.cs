using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Mime;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("Ada Lovelace")]
    [InlineData("Lovelace, Ada")]
    [InlineData("say \"hi\"")]
    [InlineData("back\\slash\\")]
    [InlineData("\\\"both\\\"")]
    [InlineData("\u00c9l\u00e8ve <\u00e9cole>")]
    public void A_display_name_survives_text_and_back(string name)
    {
        var address = new EmailAddress("ada@example.com", name);
        var parsed = EmailAddress.Parse(address.ToString());
        Assert.Equal(address, parsed);
        Assert.Equal(name, parsed.DisplayName);
    }

    [Theory]
    [InlineData("Ada\u0007", "control character U+0007")]
    [InlineData("Ada\0", "control character U+0000")]
    [InlineData("Ada\tLovelace", "control character U+0009")]
    [InlineData("Ada\r\nBcc: x@example.com", "line break")]
    public void A_display_name_with_control_characters_is_refused_naming_the_address(string name, string reason)
    {
        var ex = Assert.Throws<InvalidEmailAddressException>(() => new EmailAddress("ada@example.com", name));
        Assert.Equal("ada@example.com", ex.Value);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void A_display_name_with_an_unpaired_surrogate_is_refused()
    {
        // Not theory data: xunit's serialization would replace the lone surrogate.
        var ex = Assert.Throws<InvalidEmailAddressException>(() => new EmailAddress("ada@example.com", "Ada " + (char)0xD800));
        Assert.Contains("unpaired surrogate", ex.Reason);
    }

    [Fact]
    public void Domains_are_kept_as_written_and_in_ascii_for_the_wire()
    {
        var address = new EmailAddress("ada@B\u00fccher.Example");
        Assert.Equal("ada@B\u00fccher.Example", address.Address);
        Assert.Equal("ada@xn--bcher-kva.example", address.AsciiAddress);
        Assert.Throws<InvalidEmailAddressException>(() => new EmailAddress("a\ud800@example.com"));
        Assert.Throws<InvalidEmailAddressException>(() => new EmailAddress("a\u0085@example.com"));
    }

    [Fact]
    public async Task Tricky_display_names_round_trip_through_the_independent_parser()
    {
        using var check = new MimeRoundTrip();
        string[] names = ["Lovelace, Ada", "say \"hi\"", "back\\slash", "=?utf-8?B?QQ==?= literal", "x (y) <z>", "A  B", "\u00c9l\u00e8ve", "\u05e9\u05dc\u05d5\u05dd \u0639\u0627\u0644\u0645", new string('\u00e9', 70)];
        foreach (var name in names)
        {
            await check.AddAsync(MimeMessageBuilderTests.Message(to: [new EmailAddress("ada@example.com", name)]));
        }

        check.AssertAllPass(names.Length);
    }
}
