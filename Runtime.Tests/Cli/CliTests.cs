using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Cli;

/// <summary>The typedmail tool against a real outbox written by an application (this test project's emails and context).</summary>
public sealed class CliTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    private string[] Db(params string[] args) => [.. args, "--connection", _shop.ConnectionString];

    private async Task<Guid[]> EnqueueAsync(int count)
    {
        await using var db = _shop.CreateDbContext();
        var ids = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "C-" + i, i), to: $"ada{i}@example.com").Id;
        }

        await db.SaveChangesAsync();
        return ids;
    }

    [Theory]
    [InlineData("status", "Show how many messages are in each state")]
    [InlineData("dispatch", "--watch")]
    [InlineData("show", "<id>")]
    public async Task Every_command_has_help(string command, string expected)
    {
        var result = await CliRunner.RunAsync(command, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.Output);
        Assert.Contains("--connection", result.Output);
        Assert.Contains("--provider", result.Output);
    }

    [Fact]
    public async Task Root_help_lists_the_commands()
    {
        var result = await CliRunner.RunAsync("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "status", "dispatch", "show" })
        {
            Assert.Matches(new Regex("^  " + command + @"\s", RegexOptions.Multiline), result.Output);
        }
    }

    [Fact]
    public async Task Status_counts_each_state_and_names_the_oldest_pending_message()
    {
        var ids = await EnqueueAsync(3);
        await using (var db = _shop.CreateDbContext())
        {
            var failed = await db.Set<OutboxMessage>().SingleAsync(m => m.Id == ids[2]);
            failed.State = OutboxMessageState.Failed;
            await db.SaveChangesAsync();
        }

        var result = await CliRunner.RunAsync(Db("status"));
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
        var result = await CliRunner.RunAsync(Db("dispatch", "--pickup", _shop.PickupFolder, "--batch-size", "2"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Dispatched 5: 5 sent, 0 deferred, 0 failed.", result.Output);
        Assert.Equal(5, Directory.GetFiles(_shop.PickupFolder, "*.eml").Length);

        var status = await CliRunner.RunAsync(Db("status"));
        Assert.Matches(@"sent\W+5\W", status.Output);
        Assert.Contains("Nothing pending.", status.Output);

        var again = await CliRunner.RunAsync(Db("dispatch", "--pickup", _shop.PickupFolder));
        Assert.Contains("Dispatched 0: 0 sent, 0 deferred, 0 failed.", again.Output);
    }

    [Fact]
    public async Task Show_prints_headers_recipients_and_every_attempt_by_id_or_message_id()
    {
        var id = (await EnqueueAsync(1))[0];
        await CliRunner.RunAsync(Db("dispatch", "--pickup", _shop.PickupFolder));
        string messageId;
        await using (var db = _shop.CreateDbContext())
        {
            messageId = (await db.Set<OutboxMessage>().SingleAsync()).MessageId;
        }

        foreach (var key in new[] { id.ToString(), messageId, "<" + messageId + ">" })
        {
            var result = await CliRunner.RunAsync(Db("show", key));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("Message-ID <" + messageId + ">", Squeeze(result.Output));
            Assert.Contains("From Shop <shop@example.com>", Squeeze(result.Output));
            Assert.Contains("To ada0@example.com", Squeeze(result.Output));
            Assert.Contains("Subject Order C-0 confirmed", Squeeze(result.Output));
            Assert.Contains("State sent", Squeeze(result.Output));
            Assert.Matches(@"To\W+ada0@example\.com\W+Accepted\W+250 2\.0\.0 written to ", result.Output);
            Assert.Contains("Attempts (1)", result.Output);
            Assert.Matches(@"1\W+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\W+[\d.]+ ms\W+pickup\W+\S+\W+Accepted\W+250 2\.0\.0 written to ", result.Output);
        }
    }

    [Fact]
    public async Task Show_of_an_unknown_message_exits_3_naming_it()
    {
        var result = await CliRunner.RunAsync(Db("show", "nope@example.com"));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("No message with id or Message-ID 'nope@example.com'.", result.Error.Trim());
    }

    [Fact]
    public async Task Usage_errors_exit_2_saying_what_is_wrong()
    {
        var noConnection = await CliRunner.RunAsync("status");
        Assert.Equal(2, noConnection.ExitCode);
        Assert.Contains("No database: give its connection string with --connection, or set TYPEDMAIL_CONNECTION.", noConnection.Error);

        var provider = await CliRunner.RunAsync(Db("status", "--provider", "mysql"));
        Assert.Equal(2, provider.ExitCode);
        Assert.Contains("mysql", provider.Error);

        var unknown = await CliRunner.RunAsync(Db("frobnicate"));
        Assert.Equal(2, unknown.ExitCode);

        var batch = await CliRunner.RunAsync(Db("dispatch", "--pickup", _shop.PickupFolder, "--batch-size", "0"));
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("--batch-size must be at least 1, but is 0.", batch.Error);
        Assert.False(Directory.Exists(_shop.PickupFolder));
    }

    [Fact]
    public async Task Connection_comes_from_the_environment_when_not_given()
    {
        await EnqueueAsync(1);
        var result = await CliRunner.RunAsync(new System.Collections.Generic.Dictionary<string, string> { ["TYPEDMAIL_CONNECTION"] = _shop.ConnectionString }, null, default, "status");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"queued\W+1\W", result.Output);
    }

    [Fact]
    public async Task Missing_sqlite_file_exits_4_and_is_not_created()
    {
        var path = Path.Combine(_shop.Folder, "typo.db");
        var result = await CliRunner.RunAsync("status", "--connection", $"Data Source={path}");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal($"Database error: The SQLite database '{path}' does not exist.", result.Error.Trim());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Unreachable_postgres_exits_4_without_showing_the_password()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await CliRunner.RunAsync("status", "--provider", "postgres", "--connection",
            $"Host=127.0.0.1;Port={port};Database=shop;Username=mailer;Password=s3cret-Pa55;Timeout=3");
        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("Database error: ", result.Error);
        Assert.DoesNotContain("s3cret-Pa55", result.Output + result.Error);
    }

    /// <summary>Collapses table borders and runs of spaces, so a grid row reads "Name value".</summary>
    private static string Squeeze(string text) => Regex.Replace(text, @"[ │┃|]+", " ");
}
