using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Cli;

public sealed class CliTestsSqlite() : CliTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class CliTestsPostgres(PostgresCluster cluster) : CliTests(new PostgresShop(cluster));

/// <summary>
/// The typedmail tool end to end, on each database: an application (this project's emails and context) writes the
/// outbox; the tool, knowing nothing of the application, reads and operates it.
/// </summary>
public abstract class CliTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    private string Provider => Shop.Provider == "sqlite" ? "sqlite" : "postgres";

    public void Dispose() => Shop.Dispose();

    private string[] Db(params string[] args) => [.. args, "--provider", Provider, "--connection", Shop.ConnectionString];

    private Task<CliRunner.Result> RunAsync(params string[] args) => CliRunner.RunAsync(Db(args));

    private async Task<Guid[]> EnqueueAsync(int count, string to = "ada{0}@example.com")
    {
        await using var db = Shop.CreateDbContext();
        var ids = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "C-" + i, i), to: string.Format(System.Globalization.CultureInfo.InvariantCulture, to, i)).Id;
        }

        await db.SaveChangesAsync();
        return ids;
    }

    private async Task<OutboxMessage> LoadAsync(Guid id)
    {
        await using var db = Shop.CreateDbContext();
        return await db.Set<OutboxMessage>().Include(m => m.Recipients).Include(m => m.Attempts).SingleAsync(m => m.Id == id);
    }

    private async Task SetAsync(Guid id, Action<OutboxMessage> change)
    {
        await using var db = Shop.CreateDbContext();
        change(await db.Set<OutboxMessage>().SingleAsync(m => m.Id == id));
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Status_counts_each_state_and_names_the_oldest_pending_message()
    {
        var ids = await EnqueueAsync(3);
        await SetAsync(ids[2], m => { m.State = OutboxMessageState.Failed; m.FailedAt = DateTime.UtcNow; });

        var result = await RunAsync("status");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"queued\W+2\W", result.Output);
        Assert.Matches(@"failed\W+1\W", result.Output);
        Assert.Matches(@"sent\W+0\W", result.Output);
        Assert.Matches(@"total\W+3\W", result.Output);
        Assert.Contains($"Oldest pending: {ids[0]} (TypedMail.Runtime.Tests.Emails.OrderConfirmationEmail), queued, enqueued ", result.Output);
    }

    [Fact]
    public async Task Dispatch_sends_what_is_due_and_status_then_shows_nothing_pending()
    {
        await EnqueueAsync(5);
        var result = await RunAsync("dispatch", "--pickup", Shop.PickupFolder, "--batch-size", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Dispatched 5: 5 sent, 0 deferred, 0 failed.", result.Output);
        Assert.Equal(5, Directory.GetFiles(Shop.PickupFolder, "*.eml").Length);

        var status = await RunAsync("status");
        Assert.Matches(@"sent\W+5\W", status.Output);
        Assert.Contains("Nothing pending.", status.Output);

        var again = await RunAsync("dispatch", "--pickup", Shop.PickupFolder);
        Assert.Contains("Dispatched 0: 0 sent, 0 deferred, 0 failed.", again.Output);
    }

    [Fact]
    public async Task Dispatch_sends_through_an_smtp_server()
    {
        using var server = new TestSmtpServer();
        var ids = await EnqueueAsync(2);
        var result = await RunAsync("dispatch", "--smtp-host", "127.0.0.1", "--smtp-port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--smtp-tls", "None");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Dispatched 2: 2 sent, 0 deferred, 0 failed.", result.Output);
        var accepted = server.Accepted();
        foreach (var id in ids)
        {
            var message = await LoadAsync(id);
            Assert.Equal("smtp", Assert.Single(message.Attempts).Transport);
            Assert.Contains(accepted, a => a.MessageId == message.MessageId);
        }
    }

    [Fact]
    public async Task Failed_send_exits_1_is_shown_with_its_attempt_and_retry_sends_it()
    {
        var id = (await EnqueueAsync(1))[0];
        var blocked = Path.Combine(Shop.Folder, "not-a-folder");
        await File.WriteAllTextAsync(blocked, "a file");

        var failed = await RunAsync("dispatch", "--pickup", Path.Combine(blocked, "pickup"));
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains("Dispatched 1: 0 sent, 1 deferred, 0 failed.", failed.Output);

        var shown = await RunAsync("show", id.ToString());
        Assert.Contains("State deferred", Squeeze(shown.Output));
        Assert.Matches(@"1\W+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\W+[\d.]+ ms\W+pickup\W+\S+\W+TransientFailure\W+", shown.Output);

        var retry = await RunAsync("retry", id.ToString());
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Equal($"Requeued {id}; it is due now.", retry.Output.Trim());

        var sent = await RunAsync("dispatch", "--pickup", Shop.PickupFolder);
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var message = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Sent, message.State);
        Assert.Equal([AttemptOutcome.TransientFailure, AttemptOutcome.Accepted], message.Attempts.OrderBy(a => a.StartedAt).Select(a => a.Outcome));

        var notRetryable = await RunAsync("retry", id.ToString());
        Assert.Equal(3, notRetryable.ExitCode);
        Assert.Equal($"Message {id} is sent: only failed or deferred messages can be retried.", notRetryable.Error.Trim());
    }

    [Fact]
    public async Task Retry_all_failed_requeues_every_dead_message()
    {
        var ids = await EnqueueAsync(3);
        await SetAsync(ids[0], m => { m.State = OutboxMessageState.Failed; m.FailedAt = DateTime.UtcNow; });
        await SetAsync(ids[1], m => { m.State = OutboxMessageState.Failed; m.FailedAt = DateTime.UtcNow; });

        var result = await RunAsync("retry", "--all-failed");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Requeued 2 failed message(s).", result.Output.Trim());
        Assert.All(ids, id => Assert.Equal(OutboxMessageState.Queued, LoadAsync(id).Result.State));

        var neither = await RunAsync("retry");
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("Give either a message id or --all-failed.", neither.Error);
    }

    [Fact]
    public async Task Show_prints_headers_recipients_and_every_attempt_by_id_or_message_id()
    {
        var id = (await EnqueueAsync(1))[0];
        await RunAsync("dispatch", "--pickup", Shop.PickupFolder);
        var messageId = (await LoadAsync(id)).MessageId;
        await SetAsync(id, m => m.Culture = "fr-CA");

        foreach (var key in new[] { id.ToString(), messageId, "<" + messageId + ">" })
        {
            var result = await RunAsync("show", key);
            Assert.True(result.ExitCode == 0, result.ToString());
            var text = Squeeze(result.Output);
            Assert.Contains("Message-ID <" + messageId + ">", text);
            Assert.Contains("From Shop <shop@example.com>", text);
            Assert.Contains("To ada0@example.com", text);
            Assert.Contains("Subject Order C-0 confirmed", text);
            Assert.Contains("Culture fr-CA", text);
            Assert.Contains("State sent", text);
            Assert.Matches(@"To\W+ada0@example\.com\W+Accepted\W+250 2\.0\.0 written to ", result.Output);
            Assert.Contains("Attempts (1)", result.Output);
            Assert.Matches(@"1\W+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\W+[\d.]+ ms\W+pickup\W+\S+\W+Accepted\W+250 2\.0\.0 written to ", result.Output);
        }

        var unknown = await RunAsync("show", "nope@example.com");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Equal("No message with id or Message-ID 'nope@example.com'.", unknown.Error.Trim());
    }

    [Fact]
    public async Task Purge_deletes_sent_mail_older_than_the_cutoff_only()
    {
        var ids = await EnqueueAsync(3);
        await RunAsync("dispatch", "--pickup", Shop.PickupFolder);
        await SetAsync(ids[0], m => m.SentAt = DateTime.UtcNow.AddDays(-40));
        await SetAsync(ids[1], m => m.SentAt = DateTime.UtcNow.AddDays(-10));

        var result = await RunAsync("purge", "--older-than", "30d");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Purged 1 message(s), ", result.Output);
        var status = await RunAsync("status");
        Assert.Matches(@"sent\W+2\W", status.Output);

        var bad = await RunAsync("purge", "--older-than", "a while");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--older-than 'a while' is not a duration: write it as 30d, 12h, 90m, 45s or 7.00:00:00.", bad.Error);
    }

    [Fact]
    public async Task Suppressed_address_is_listed_never_sent_to_and_can_be_removed()
    {
        var add = await RunAsync("suppress", "add", "Bounce <Bounce@Example.com>", "--reason", "hard bounce");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Equal("Suppressed bounce@example.com.", add.Output.Trim());

        var list = await RunAsync("suppress", "list");
        Assert.Matches(@"bounce@example\.com\W+hard bounce\W+\d{4}-", list.Output);
        Assert.Contains("1 suppressed address(es).", list.Output);

        var id = (await EnqueueAsync(1, to: "bounce@example.com"))[0];
        var dispatch = await RunAsync("dispatch", "--pickup", Shop.PickupFolder);
        Assert.Contains("Dispatched 1: 0 sent, 0 deferred, 1 failed.", dispatch.Output);
        var message = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Failed, message.State);
        Assert.Equal(RecipientState.Suppressed, Assert.Single(message.Recipients).State);
        Assert.False(Directory.Exists(Shop.PickupFolder) && Directory.EnumerateFiles(Shop.PickupFolder).Any());

        var remove = await RunAsync("suppress", "remove", "bounce@example.com");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        var again = await RunAsync("suppress", "remove", "bounce@example.com");
        Assert.Equal(3, again.ExitCode);
        Assert.Equal("bounce@example.com is not on the suppression list.", again.Error.Trim());

        var invalid = await RunAsync("suppress", "add", "not an address");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Equal("'not an address' is not a valid email address.", invalid.Error.Trim());
    }

    [Fact]
    public async Task Watch_sends_mail_committed_while_it_runs_and_stops_on_cancel()
    {
        // On PostgreSQL the poll interval is a minute: only NOTIFY can make the send prompt.
        var poll = Provider == "postgres" ? "00:01:00" : "00:00:00.200";
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watching = CliRunner.RunAsync(null, null, stop.Token, Db("dispatch", "--watch", "--pickup", Shop.PickupFolder, "--poll-interval", poll));
        await Task.Delay(1000);
        var id = (await EnqueueAsync(1))[0];

        await Eventually.True(async () => (await LoadAsync(id)).State == OutboxMessageState.Sent, "the watching dispatcher to send the message", TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        var result = await watching;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("until Ctrl+C.", result.Output);
        Assert.Matches($@"\d\d:\d\d:\d\dZ info  Sent {id} \(TypedMail\.Runtime\.Tests\.Emails\.OrderConfirmationEmail\) to 1 recipient\(s\) via pickup", result.Output);
        Assert.EndsWith("Stopped.", result.Output.Trim());
    }

    /// <summary>Collapses table borders and runs of spaces, so a grid row reads "Name value".</summary>
    internal static string Squeeze(string text) => Regex.Replace(text, @"[ │┃|]+", " ");
}
