using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TypedMail.Diagnostics;
using TypedMail.Hosting;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Hosting;

public sealed class HostingTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Fact]
    public async Task Hosted_dispatcher_sends_committed_mail_with_settings_from_configuration()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:DefaultFrom"] = "Config Shop <config@example.com>";
        settings["TypedMail:Dispatcher:BatchSize"] = "2";
        using var host = HostedShop.Builder(_shop, settings).Build();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TypedMailDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (Equals(a.GetTagItem(TypedMailDiagnostics.TransportTag), "pickup") && a.OperationName == "typedmail.send") activities.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(activityListener);

        await host.StartAsync();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            for (var i = 1; i <= 3; i++)
            {
                db.Orders.Add(new Order { Number = "H-" + i });
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "H-" + i, i), to: "ada@example.com", new EnqueueOptions { Tags = i == 1 ? ["spring"] : [] });
            }

            await db.SaveChangesAsync();
        }

        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent) == 3;
        }, "3 messages sent by the hosted dispatcher");
        await host.StopAsync();

        var files = Directory.GetFiles(_shop.PickupFolder, "*.eml");
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.Contains("From: Config Shop <config@example.com>\r\n", File.ReadAllText(f)));

        Assert.Equal(3, metrics.Sum("typedmail.messages.queued"));
        Assert.Equal(3, metrics.Sum("typedmail.messages.sent", TypedMailDiagnostics.TransportTag, "pickup"));
        Assert.Equal(0, metrics.Sum("typedmail.messages.failed"));
        Assert.Equal(1, metrics.Sum("typedmail.messages.sent", TypedMailDiagnostics.TagsTag, "spring"));
        var durations = metrics.Measurements.Where(m => m.Instrument == "typedmail.send.duration").ToList();
        Assert.Equal(activities.Count, durations.Count);
        Assert.All(durations, d => Assert.True(d.Value > 0));

        // The batch size from configuration reached the dispatcher: no transport call carried more than 2 messages.
        Assert.Equal(3, activities.Sum(a => (int)a.GetTagItem(TypedMailDiagnostics.BatchSizeTag)!));
        Assert.All(activities, a => Assert.InRange((int)a.GetTagItem(TypedMailDiagnostics.BatchSizeTag)!, 1, 2));
        Assert.All(activities, a => Assert.Equal(ActivityStatusCode.Unset, a.Status));

        await host.Services.GetRequiredService<OutboxStatusCache>().RefreshAsync(CancellationToken.None);
        metrics.CollectObservables();
        Assert.Equal(3, metrics.Sum("typedmail.queue.depth", TypedMailDiagnostics.StateTag, "sent"));
        Assert.Equal(0, metrics.Sum("typedmail.queue.depth", TypedMailDiagnostics.StateTag, "queued"));
        Assert.Equal(0, metrics.Sum("typedmail.queue.oldest_pending.age"));
    }

    [Fact]
    public async Task Named_transports_and_routes_from_configuration_route_by_email_type_and_fail_over()
    {
        var backup = Path.Combine(_shop.Folder, "backup");
        var newsletter = Path.Combine(_shop.Folder, "newsletter");
        var settings = new System.Collections.Generic.Dictionary<string, string?>
        {
            // The main transport is an SMTP server that is down: nothing listens on the port.
            ["TypedMail:Transport"] = "Smtp",
            ["TypedMail:Smtp:Host"] = "127.0.0.1",
            ["TypedMail:Smtp:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TypedMail:Smtp:TlsMode"] = "None",
            ["TypedMail:Transports:backup:Transport"] = "Pickup",
            ["TypedMail:Transports:backup:Pickup:Folder"] = backup,
            ["TypedMail:Transports:newsletter:Transport"] = "Pickup",
            ["TypedMail:Transports:newsletter:Pickup:Folder"] = newsletter,
            ["TypedMail:Transports:newsletter:MaxMessagesPerSecond"] = "50",
            ["TypedMail:Routes:" + typeof(OrderConfirmationEmail).FullName + ":0"] = "newsletter",
            ["TypedMail:Dispatcher:PollInterval"] = "00:00:00.100",
        };
        using var host = HostedShop.Builder(_shop, settings).Build();
        await host.StartAsync();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>();
        Guid routed, failedOver;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            routed = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "R-1", 1m), to: "ada@example.com", new EnqueueOptions { From = "shop@example.com" }).Id;
            failedOver = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "R-2", 2m), to: "ada@example.com", new EnqueueOptions { From = "shop@example.com", Transport = "smtp" }).Id;
            await db.SaveChangesAsync();
        }

        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent) == 2;
        }, "both messages sent");
        await host.StopAsync();

        await using (var db = await contexts.CreateDbContextAsync())
        {
            var attempts = await db.Set<OutboxAttempt>().OrderBy(a => a.Number).ToListAsync();

            // The email type's route: straight to the newsletter folder, the main transport never tried.
            Assert.Equal([("newsletter", AttemptOutcome.Accepted)], attempts.Where(a => a.OutboxMessageId == routed).Select(a => (a.Transport, a.Outcome)));

            // The message's own choice, the main SMTP server, is down: it fails over to the next transport by name.
            Assert.Equal([("smtp", AttemptOutcome.TransientFailure), ("backup", AttemptOutcome.Accepted)],
                attempts.Where(a => a.OutboxMessageId == failedOver).Select(a => (a.Transport, a.Outcome)));
        }

        Assert.Contains("R-1", File.ReadAllText(Assert.Single(Directory.GetFiles(newsletter, "*.eml"))));
        Assert.Contains("R-2", File.ReadAllText(Assert.Single(Directory.GetFiles(backup, "*.eml"))));
    }

    [Fact]
    public async Task Invalid_named_transports_and_routes_stop_the_host_naming_each_setting()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Transports:pickup:Transport"] = "Smtp";
        settings["TypedMail:Transports:pickup:Smtp:Host"] = "relay.example.com";
        settings["TypedMail:Transports:backup:Transport"] = "Pickup";
        settings["TypedMail:Transports:backup:MaxMessagesPerSecond"] = "-2";
        settings["TypedMail:Routes:Shop.NewsletterEmail:0"] = "bulk";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TypedMail:Transports:backup:Pickup:Folder is required when TypedMail:Transports:backup:Transport is Pickup: set it to the folder .eml files are written to.",
                "TypedMail:Transports:backup:MaxMessagesPerSecond must be a positive number, but is -2.",
                "TypedMail:Transports:pickup has the main transport's name 'pickup': give it another name.",
                "TypedMail:Routes:Shop.NewsletterEmail names transport 'bulk', which is not configured. Configured: pickup, backup.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task Queue_depth_gauge_reports_each_state_and_the_oldest_pending_age()
    {
        var time = new ManualTime(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var builder = HostedShop.Builder(_shop, HostedShop.Settings(_shop));
        builder.Services.AddSingleton<TimeProvider>(time);
        using var host = builder.Build();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
        host.Services.GetRequiredService<TypedMailMetrics>();
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>().CreateDbContextAsync())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("A", "Q-1", 1m), to: "a@example.com", new EnqueueOptions { From = "shop@example.com" });
            time.Advance(TimeSpan.FromMinutes(1));
            db.Emails().Enqueue(new OrderConfirmationEmail("B", "Q-2", 2m), to: "b@example.com", new EnqueueOptions { From = "shop@example.com" });
            await db.SaveChangesAsync();
            var second = await db.Set<OutboxMessage>().SingleAsync(m => m.Subject == "Order Q-2 confirmed");
            second.State = OutboxMessageState.Failed;
            await db.SaveChangesAsync();
        }

        // Nothing is read until someone collects; the first collection starts a background read.
        metrics.CollectObservables();
        Assert.DoesNotContain(metrics.Measurements, m => m.Instrument == "typedmail.queue.depth");
        var cache = host.Services.GetRequiredService<OutboxStatusCache>();
        await Eventually.True(() => Task.FromResult(cache.Current is not null), "the background read of the queue status");

        time.Advance(TimeSpan.FromSeconds(9));
        metrics.CollectObservables();
        Assert.Equal(1, metrics.Sum("typedmail.queue.depth", TypedMailDiagnostics.StateTag, "queued"));
        Assert.Equal(1, metrics.Sum("typedmail.queue.depth", TypedMailDiagnostics.StateTag, "failed"));
        Assert.Equal(0, metrics.Sum("typedmail.queue.depth", TypedMailDiagnostics.StateTag, "sent"));
        Assert.Equal(5, metrics.Measurements.Count(m => m.Instrument == "typedmail.queue.depth"));
        Assert.Equal(69, metrics.Sum("typedmail.queue.oldest_pending.age"), precision: 3);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start_naming_each_setting()
    {
        var settings = HostedShop.Settings(_shop);
        settings.Remove("TypedMail:Pickup:Folder");
        settings["TypedMail:Dispatcher:BatchSize"] = "0";
        settings["TypedMail:Dispatcher:RetryBaseDelay"] = "00:01:00";
        settings["TypedMail:Dispatcher:RetryMaxDelay"] = "00:00:10";
        settings["TypedMail:DefaultFrom"] = "not an address";
        settings["TypedMail:Health:FailedLimit"] = "-1";
        settings["TypedMail:MaxMessagesPerSecond"] = "0";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TypedMail:Dispatcher:BatchSize must be at least 1, but is 0.",
                "TypedMail:Dispatcher:RetryMaxDelay must be at least RetryBaseDelay (00:01:00), but is 00:00:10.",
                "TypedMail:MaxMessagesPerSecond must be a positive number, but is 0.",
                "TypedMail:Health:FailedLimit must be at least 1, but is -1.",
                "TypedMail:DefaultFrom is not a valid mailbox: 'not an address'. Write it as 'name@example.com' or 'Name <name@example.com>'.",
                "TypedMail:Pickup:Folder is required when TypedMail:Transport is Pickup: set it to the folder .eml files are written to.",
            ],
            error.Failures);
        Assert.False(Directory.Exists(_shop.PickupFolder));
    }

    [Fact]
    public async Task Invalid_bounce_and_unsubscribe_settings_stop_the_host_naming_each_setting()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:BounceAddress"] = "bounces+x@example.com";
        settings["TypedMail:Unsubscribe:Url"] = "https://shop.example.com/unsubscribe?x=1";
        settings["TypedMail:Unsubscribe:Mailto"] = "unsubscribe@example.com";
        settings["TypedMail:Unsubscribe:Keys:k1"] = "dG9vIHNob3J0";
        settings["TypedMail:Unsubscribe:SigningKeyId"] = "k1";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("TypedMail:BounceAddress 'bounces+x@example.com': the local part 'bounces+x' may only hold ASCII letters, digits, '.', '-' and '_'.", error.Failures);
        Assert.Contains(
            "TypedMail:Unsubscribe:Url 'https://shop.example.com/unsubscribe?x=1' must be an absolute https:// URL (http:// only on a loopback host) without a query or fragment.",
            error.Failures);
        Assert.Contains("TypedMail:Unsubscribe:Keys:k1 must be base64 of at least 32 bytes.", error.Failures);
        Assert.DoesNotContain("dG9vIHNob3J0", string.Join("\n", error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public async Task PrepareStatements_from_configuration_reaches_the_context(string? value, bool expected)
    {
        var settings = HostedShop.Settings(_shop);
        if (value is not null)
        {
            settings["TypedMail:PrepareStatements"] = value;
        }

        using var host = HostedShop.Builder(_shop, settings).Build();
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>().CreateDbContextAsync();
        Assert.Equal(expected, db.GetService<IDbContextOptions>().FindExtension<TypedMailOptionsExtension>()!.Options.PrepareStatements);
    }

    [Fact]
    public async Task Unknown_setting_stops_the_host_naming_it()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Dispatcher:BatchSise"] = "5";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("'BatchSise'", error.Message);
    }

    [Theory]
    [InlineData("TypedMail:Dispatcher:PollInterval", "soon")]
    [InlineData("TypedMail:Transport", "Carrier pigeon")]
    [InlineData("TypedMail:PrepareStatements", "sometimes")]
    public async Task Value_of_the_wrong_type_stops_the_host_naming_the_setting(string key, string value)
    {
        var settings = HostedShop.Settings(_shop);
        settings[key] = value;
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains($"'{key}'", error.Message);
    }

    [Fact]
    public async Task Context_registered_without_a_factory_is_reported_at_start()
    {
        using var host = HostedShop.Builder(_shop, HostedShop.Settings(_shop), registerFactory: false).Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("services.AddDbContextFactory<HostedShopContext>(...)", error.Message);
    }

    [Fact]
    public async Task Health_check_is_unhealthy_when_the_pickup_folder_cannot_be_written()
    {
        var blocker = Path.Combine(_shop.Folder, "blocker");
        await File.WriteAllTextAsync(blocker, "a file where a folder should be");
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Pickup:Folder"] = Path.Combine(blocker, "pickup");
        var builder = HostedShop.Builder(_shop, settings);
        builder.Services.AddHealthChecks().AddTypedMail();
        using var host = builder.Build();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var entry = report.Entries["typedmail"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith($"Transport unreachable (pickup folder {Path.Combine(blocker, "pickup")}): cannot write to ", entry.Description);
    }

    [Fact]
    public async Task Health_check_degrades_when_too_many_messages_failed_recently()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Health:FailedLimit"] = "2";
        settings["TypedMail:Health:FailedWindow"] = "00:15:00";
        var builder = HostedShop.Builder(_shop, settings);
        builder.Services.AddHealthChecks().AddTypedMail();
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        await SeedAsync(OutboxMessageState.Failed, DateTime.UtcNow.AddHours(-1));
        await SeedAsync(OutboxMessageState.Failed, DateTime.UtcNow.AddMinutes(-1));
        var report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["typedmail"].Status);
        Assert.Equal(1L, report.Entries["typedmail"].Data["failedRecently"]);

        await SeedAsync(OutboxMessageState.Failed, DateTime.UtcNow.AddMinutes(-2));
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Entries["typedmail"].Status);
        Assert.Equal("2 message(s) failed for good in the last 00:15:00 (limit 2).", report.Entries["typedmail"].Description);
    }

    [Fact]
    public async Task Hosted_retention_purge_deletes_finished_mail_older_than_the_period()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Retention:Period"] = "30.00:00:00";
        await SeedAsync(OutboxMessageState.Sent, DateTime.UtcNow.AddDays(-40));
        var recent = await SeedAsync(OutboxMessageState.Sent, DateTime.UtcNow.AddDays(-20));
        var dead = await SeedAsync(OutboxMessageState.Failed, DateTime.UtcNow.AddDays(-40));
        var queued = await SeedAsync(OutboxMessageState.Queued, DateTime.UtcNow.AddDays(-40));
        using var host = HostedShop.Builder(_shop, settings).Build();

        await host.StartAsync();
        await Eventually.True(async () =>
        {
            await using var db = _shop.CreateDbContext();
            return await db.Set<OutboxMessage>().CountAsync() == 3;
        }, "the old sent message purged");
        await host.StopAsync();

        // Failed mail stays unless Retention:IncludeFailed; unfinished mail always stays.
        await using var check = _shop.CreateDbContext();
        Assert.Equal(new[] { recent, dead, queued }.Order(), (await check.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Order());
    }

    [Fact]
    public async Task Invalid_retention_settings_stop_the_host_naming_each_setting()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Retention:Period"] = "-1.00:00:00";
        settings["TypedMail:Retention:Interval"] = "00:00:00";
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TypedMail:Retention:Period must be longer than zero, but is -1.00:00:00.",
                "TypedMail:Retention:Interval must be longer than zero, but is 00:00:00.",
            ],
            error.Failures);
    }

    private async Task<Guid> SeedAsync(OutboxMessageState state, DateTime finishedAt)
    {
        await using var db = _shop.CreateDbContext();
        var id = Guid.CreateVersion7();
        db.Add(new OutboxMessage
        {
            Id = id,
            MessageId = id.ToString("N") + "@example.com",
            EmailType = "Test",
            State = state,
            CreatedAt = finishedAt,
            DueAt = state == OutboxMessageState.Queued ? finishedAt.AddYears(1) : finishedAt,
            From = "shop@example.com",
            Subject = state.ToString(),
            SentAt = state == OutboxMessageState.Sent ? finishedAt : null,
            FailedAt = state == OutboxMessageState.Failed ? finishedAt : null,
        });
        await db.SaveChangesAsync();
        return id;
    }
}

/// <summary>A clock tests move by hand.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _ticks += by.Ticks;
    }
}
