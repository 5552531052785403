using System;
using System.Collections.Generic;
using TypedMail.Deliverability;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Deliverability;

public sealed class UnsubscribeTokensTests
{
    public const string KeyOne = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    public const string KeyTwo = "HxwdHhscGRoXGBUWExQREg8QDQ4LDAkKBwgFBgMEAQI=";

    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static UnsubscribeOptions Options(string signingKeyId = "k1", params (string Id, string Key)[] keys) => new()
    {
        Url = "https://shop.example.com/typedmail/unsubscribe",
        Mailto = "unsubscribe@shop.example.com",
        Keys = keys.Length == 0 ? new() { ["k1"] = KeyOne } : new Dictionary<string, string>(Array.ConvertAll(keys, k => KeyValuePair.Create(k.Id, k.Key))),
        SigningKeyId = signingKeyId,
        TokenLifetime = TimeSpan.FromDays(30),
    };

    [Fact]
    public void Valid_token_names_the_normalized_address_and_the_category()
    {
        var tokens = new UnsubscribeTokens(Options(), _clock);
        var token = tokens.Create("Ada <Ada@Example.com>", "newsletter");

        Assert.Equal(UnsubscribeTokenError.None, tokens.Validate(token, out var request));
        Assert.Equal(new UnsubscribeRequest("ada@example.com", "newsletter", "k1", _clock.GetUtcNow().AddDays(30)), request);
    }

    [Fact]
    public void Token_signed_with_another_key_is_forged()
    {
        var forger = new UnsubscribeTokens(Options("k1", ("k1", KeyTwo)), _clock);
        var tokens = new UnsubscribeTokens(Options(), _clock);

        Assert.Equal(UnsubscribeTokenError.BadSignature, tokens.Validate(forger.Create("ada@example.com", "newsletter"), out var request));
        Assert.Null(request);
    }

    [Fact]
    public void Token_altered_to_name_another_address_or_category_is_refused()
    {
        var tokens = new UnsubscribeTokens(Options(), _clock);
        var parts = tokens.Create("ada@example.com", "newsletter").Split('.');
        var other = tokens.Create("bob@example.com", "newsletter").Split('.');
        var otherCategory = tokens.Create("ada@example.com", "offers").Split('.');

        // Bob's payload under Ada's signature, Ada's under another category's, and one flipped character.
        Assert.Equal(UnsubscribeTokenError.BadSignature, tokens.Validate(parts[0] + "." + other[1] + "." + parts[2], out _));
        Assert.Equal(UnsubscribeTokenError.BadSignature, tokens.Validate(parts[0] + "." + parts[1] + "." + otherCategory[2], out _));
        var flipped = parts[1].ToCharArray();
        flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
        Assert.Equal(UnsubscribeTokenError.BadSignature, tokens.Validate(parts[0] + "." + new string(flipped) + "." + parts[2], out _));
    }

    [Fact]
    public void Expired_token_is_refused()
    {
        var tokens = new UnsubscribeTokens(Options(), _clock);
        var token = tokens.Create("ada@example.com", "newsletter");

        _clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(UnsubscribeTokenError.Expired, tokens.Validate(token, out _));
    }

    [Fact]
    public void Rotation_keeps_old_links_working_until_their_key_is_removed()
    {
        var old = new UnsubscribeTokens(Options(), _clock).Create("ada@example.com", "newsletter");
        var rotated = new UnsubscribeTokens(Options("k2", ("k1", KeyOne), ("k2", KeyTwo)), _clock);
        var fresh = rotated.Create("ada@example.com", "newsletter");

        Assert.StartsWith("k2.", fresh, StringComparison.Ordinal);
        Assert.Equal(UnsubscribeTokenError.None, rotated.Validate(old, out var request));
        Assert.Equal("k1", request!.KeyId);
        Assert.Equal(UnsubscribeTokenError.UnknownKey, new UnsubscribeTokens(Options("k2", ("k2", KeyTwo)), _clock).Validate(old, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("k1")]
    [InlineData("k1.abc")]
    [InlineData("k1.a$b.c")]
    [InlineData("k1..")]
    [InlineData("k 1.YWJj.YWJj")]
    public void Malformed_token_is_refused(string token)
        => Assert.Equal(UnsubscribeTokenError.Malformed, new UnsubscribeTokens(Options(), _clock).Validate(token, out _));

    [Fact]
    public void Bad_options_are_named_without_showing_a_key()
    {
        var options = Options();
        options.Url = "http://shop.example.com/unsubscribe";
        options.Keys["short"] = "c2hvcnQ=";
        options.SigningKeyId = "missing";

        var ex = Assert.Throws<ArgumentException>(() => new UnsubscribeTokens(options, _clock));
        Assert.Contains("Unsubscribe:Url 'http://shop.example.com/unsubscribe'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Unsubscribe:Keys:short must be base64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Unsubscribe:SigningKeyId 'missing'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2hvcnQ=", ex.Message, StringComparison.Ordinal);
    }
}
