using System;

namespace TypedMail.Runtime.Tests.Deliverability;

public sealed class VerpAddressTests
{
    private static readonly Guid Key = Guid.Parse("0193a1c2-7d4e-7f00-8a1b-2c3d4e5f6a7b");

    [Fact]
    public void Single_recipient_envelope_names_the_message_and_the_recipient()
    {
        var address = VerpAddress.Format("bounces@bounce.example.com", Key, "Ada <Ada@Example.com>");

        Assert.Equal("bounce.example.com", address.Domain);
        Assert.StartsWith("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7b-", address.LocalPart, StringComparison.Ordinal);
        Assert.True(address.LocalPart.Length <= 64);
        Assert.True(VerpAddress.TryParse(address.Address, out var token));
        Assert.Equal(Key, token.OutboxId);
        Assert.True(token.Names("ada@example.com"));
        Assert.False(token.Names("bob@example.com"));
    }

    [Fact]
    public void Several_recipients_name_the_message_only()
    {
        var address = VerpAddress.Format("bounces@bounce.example.com", Key, null);

        Assert.Equal("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7b@bounce.example.com", address.Address);
        Assert.True(VerpAddress.TryParse("<" + address.Address.ToUpperInvariant() + ">", out var token));
        Assert.Equal(new VerpToken(Key, null), token);
        Assert.False(token.Names("ada@example.com"));
    }

    [Fact]
    public void Relay_that_uppercases_the_local_part_still_maps_back()
    {
        var address = VerpAddress.Format("bounces@b.example.com", Key, "ada@example.com");

        Assert.True(VerpAddress.TryParse(address.Address.ToUpperInvariant(), out var token));
        Assert.Equal(Key, token.OutboxId);
        Assert.True(token.Names("ada@example.com"));
    }

    [Theory]
    [InlineData("bounces@b.example.com")]
    [InlineData("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7@b.example.com")]
    [InlineData("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7z@b.example.com")]
    [InlineData("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7b-123@b.example.com")]
    [InlineData("bounces+0193a1c27d4e7f008a1b2c3d4e5f6a7b_1a2b3c4d5e@b.example.com")]
    [InlineData("+0193a1c27d4e7f008a1b2c3d4e5f6a7b@b.example.com")]
    [InlineData("not an address")]
    [InlineData(null)]
    public void Anything_else_is_not_a_token(string? address)
        => Assert.False(VerpAddress.TryParse(address, out _));

    [Theory]
    [InlineData("a-very-long-bounce-prefix")]
    [InlineData("bounce+s")]
    public void Bad_prefix_is_rejected_naming_it(string prefix)
    {
        var ex = Assert.Throws<ArgumentException>(() => VerpAddress.Format(prefix + "@b.example.com", Key, null));
        Assert.Contains(prefix, ex.Message, StringComparison.Ordinal);
    }
}
