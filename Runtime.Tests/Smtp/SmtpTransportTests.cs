using System;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

public sealed class SmtpTransportTests
{
    [Theory]
    [InlineData(nameof(SmtpOptions.Host), "")]
    [InlineData(nameof(SmtpOptions.Port), "0")]
    [InlineData(nameof(SmtpOptions.PoolSize), "0")]
    [InlineData(nameof(SmtpOptions.CommandTimeout), "-1")]
    [InlineData(nameof(SmtpOptions.ClientName), "has space")]
    [InlineData(nameof(SmtpOptions.TlsMode), "9")]
    [InlineData(nameof(SmtpOptions.MaxMessagesPerConnection), "0")]
    [InlineData(nameof(SmtpOptions.ThrottledRetryDelay), "-1")]
    [InlineData(nameof(SmtpOptions.RequireTls), "None")]
    public void Invalid_options_name_the_setting_and_its_value(string setting, string value)
    {
        var options = new SmtpOptions { Host = "mail.example.com" };
        switch (setting)
        {
            case nameof(SmtpOptions.Host): options.Host = value; break;
            case nameof(SmtpOptions.Port): options.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(SmtpOptions.PoolSize): options.PoolSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(SmtpOptions.CommandTimeout): options.CommandTimeout = TimeSpan.FromSeconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case nameof(SmtpOptions.ClientName): options.ClientName = value; break;
            case nameof(SmtpOptions.TlsMode): options.TlsMode = (SmtpTlsMode)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(SmtpOptions.MaxMessagesPerConnection): options.MaxMessagesPerConnection = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(SmtpOptions.ThrottledRetryDelay): options.ThrottledRetryDelay = TimeSpan.FromSeconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case nameof(SmtpOptions.RequireTls): options.RequireTls = true; options.TlsMode = Enum.Parse<SmtpTlsMode>(value); break;
        }

        var ex = Assert.Throws<ArgumentException>(() => new SmtpTransport(options));
        Assert.Equal(setting, ex.ParamName);
        Assert.Contains("SmtpOptions." + setting, ex.Message);
        Assert.Contains(value.TrimStart('-'), ex.Message);
    }

    [Fact]
    public void A_password_is_never_shown()
    {
        var options = new SmtpOptions { Host = "mail.example.com", Password = "hunter2\0" };
        var missingUser = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(SmtpOptions.UserName), missingUser.ParamName);
        options.UserName = "ada";
        var bad = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(SmtpOptions.Password), bad.ParamName);
        Assert.DoesNotContain("hunter2", bad.Message);
        Assert.DoesNotContain("hunter2", options.ToString());

        options.Password = "hunter2";
        options.AccessTokenProvider = new SmtpAccessTokenProvider((_, _, _) => ValueTask.FromResult("token"));
        var both = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(SmtpOptions.AccessTokenProvider), both.ParamName);
        Assert.DoesNotContain("hunter2", both.Message);
        options.Password = null;
        options.Validate();
        Assert.Contains("(OAuth2)", options.ToString());
    }

    [Fact]
    public void Ports_default_by_tls_mode()
    {
        Assert.Equal(587, new SmtpOptions().EffectivePort);
        Assert.Equal(465, new SmtpOptions { TlsMode = SmtpTlsMode.Implicit }.EffectivePort);
        Assert.Equal(25, new SmtpOptions { TlsMode = SmtpTlsMode.None }.EffectivePort);
        Assert.Equal(2525, new SmtpOptions { Port = 2525 }.EffectivePort);
    }

    [Fact]
    public async Task An_unreachable_server_fails_every_message_for_now_without_throwing()
    {
        await using var transport = new SmtpTransport(new SmtpOptions { Host = "127.0.0.1", Port = FreePort.Next(), TlsMode = SmtpTlsMode.None });
        var results = await transport.SendAsync([Email(1), Email(2), Email(3)], CancellationToken.None);
        Assert.All(results, r =>
        {
            Assert.Equal(DeliveryStatus.TransientFailure, r.Status);
            Assert.Contains("Could not connect", r.Error);
            Assert.All(r.Recipients, x => Assert.Equal(DeliveryStatus.TransientFailure, x.Status));
        });
        Assert.Empty(await transport.SendAsync([], CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_send_stops_waiting_and_fails_every_unanswered_message_for_now()
    {
        // smtp-sink holds each MAIL FROM for 5 s: the cancellation at 300 ms comes before any reply.
        using var sink = new SmtpSink("-W", "MAIL:5");
        await using var transport = new SmtpTransport(SmtpSinkTests.For(sink, poolSize: 2));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var results = await transport.SendAsync(SmtpSinkTests.Batch(4), cancel.Token);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the send went on for {watch.Elapsed} after it was cancelled");
        Assert.Equal(4, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(DeliveryStatus.TransientFailure, r.Status);
            Assert.Equal(SmtpTransport.Cancelled, r.Error);
        });
    }
}
