using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Hosting;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;

namespace TypedMail.Runtime.Tests.Hosting;

/// <summary>The hosted dispatcher with the SMTP transport bound from configuration, against a real SMTP server (aiosmtpd).</summary>
public sealed class SmtpHostingTests : IDisposable
{
    private const string Password = "s3cret-Pa55w0rd";
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    private Dictionary<string, string?> Settings(int port) => new()
    {
        ["TypedMail:Transport"] = "Smtp",
        ["TypedMail:Smtp:Host"] = "127.0.0.1",
        ["TypedMail:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["TypedMail:Smtp:TlsMode"] = "None",
        ["TypedMail:Smtp:ConnectTimeout"] = "00:00:05",
        ["TypedMail:Dispatcher:PollInterval"] = "00:00:00.100",
        ["TypedMail:DefaultFrom"] = "Shop <shop@example.com>",
    };

    [Fact]
    public async Task Hosted_dispatcher_sends_through_the_configured_smtp_server_and_reports_it_healthy()
    {
        using var server = new TestSmtpServer();
        var builder = HostedShop.Builder(_shop, Settings(server.Port));
        builder.Services.AddHealthChecks().AddTypedMail();
        using var host = builder.Build();
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["typedmail"].Status);
        Assert.StartsWith($"Transport reachable (smtp 127.0.0.1:{server.Port} TLS=None user=(none) pool=4)", report.Entries["typedmail"].Description);

        var contexts = host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>();
        string messageId;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            messageId = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "S-1", 5m), to: "ada@example.com").MessageId;
            await db.SaveChangesAsync();
        }

        await Eventually.True(() => Task.FromResult(server.Accepted().Any(a => a.MessageId == messageId)), "aiosmtpd to accept the message");
        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return (await db.Set<OutboxMessage>().SingleAsync()).State == OutboxMessageState.Sent;
        }, "the message to be recorded as sent");
        await host.StopAsync();
        Assert.Equal(["ada@example.com"], server.Accepted().Single().Recipients);
    }

    [Fact]
    public async Task Unreachable_smtp_server_is_unhealthy_and_the_password_appears_nowhere()
    {
        var port = FreePort.Next();
        var settings = Settings(port);
        settings["TypedMail:Smtp:UserName"] = "mailer";
        settings["TypedMail:Smtp:Password"] = Password;
        settings["TypedMail:Smtp:AllowAuthenticationWithoutTls"] = "true";
        var logs = new ConcurrentQueue<string>();
        var builder = HostedShop.Builder(_shop, settings);
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new RecordingLoggerProvider(logs));
        builder.Services.AddHealthChecks().AddTypedMail();
        using var host = builder.Build();
        await host.StartAsync();

        var contexts = host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "S-2", 5m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        OutboxMessage? message = null;
        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            message = await db.Set<OutboxMessage>().Include(m => m.Attempts).SingleAsync();
            return message.State == OutboxMessageState.Deferred;
        }, "the message to be deferred after the connection failed");
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        var entry = report.Entries["typedmail"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith($"Transport unreachable (smtp 127.0.0.1:{port} TLS=None user=mailer pool=4): ", entry.Description);

        var everything = string.Join("\n", logs) + entry.Description + message!.LastError + string.Join("\n", message.Attempts.Select(a => a.Error));
        Assert.Contains("Could not connect to 127.0.0.1:" + port, everything);
        Assert.Contains("started: smtp 127.0.0.1:" + port, everything);
        Assert.DoesNotContain(Password, everything);
    }

    [Fact]
    public async Task Invalid_smtp_settings_stop_the_host_naming_each_and_never_showing_the_password()
    {
        var settings = Settings(0);
        settings["TypedMail:Smtp:Host"] = " ";
        settings["TypedMail:Smtp:Password"] = Password;
        settings["TypedMail:Smtp:PoolSize"] = "0";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TypedMail:Smtp:Host must be a host name or IP address, but is ' '.",
                "TypedMail:Smtp:Port must be between 1 and 65535, but is 0.",
                "TypedMail:Smtp:UserName must be set when Password or AccessTokenProvider is, but is missing.",
                "TypedMail:Smtp:PoolSize must be between 1 and 1000, but is 0.",
            ],
            error.Failures);
        Assert.DoesNotContain(Password, error.Message);
    }

    [Fact]
    public void A_user_without_a_password_takes_the_access_token_provider_from_the_container()
    {
        var settings = Settings(25);
        settings["TypedMail:Smtp:UserName"] = "mailer@example.com";
        settings["TypedMail:Transports:backup:Transport"] = "Smtp";
        settings["TypedMail:Transports:backup:Smtp:Host"] = "127.0.0.1";
        settings["TypedMail:Transports:backup:Smtp:UserName"] = "backup@example.com";
        var main = new SmtpAccessTokenProvider((_, _, _) => ValueTask.FromResult("main"));
        var backup = new SmtpAccessTokenProvider((_, _, _) => ValueTask.FromResult("backup"));
        var builder = HostedShop.Builder(_shop, settings);
        builder.Services.AddSingleton<ISmtpAccessTokenProvider>(main).AddKeyedSingleton<ISmtpAccessTokenProvider>("backup", backup);
        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<TypedMailOptions>>().Value;
        Assert.Same(main, options.Smtp.AccessTokenProvider);
        Assert.Same(backup, options.Transports["backup"].Smtp.AccessTokenProvider);

        using var without = HostedShop.Builder(_shop, settings).Build();
        var error = Assert.Throws<OptionsValidationException>(() => without.Services.GetRequiredService<IOptions<TypedMailOptions>>().Value);
        Assert.Contains("TypedMail:Smtp:Password or AccessTokenProvider must be set when UserName is, but is missing.", error.Failures);
    }
}
