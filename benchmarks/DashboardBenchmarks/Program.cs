using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TypedMail.Benchmarks.Dashboard;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

// Dashboard page loads on a large PostgreSQL outbox, each next to the same page on a small one, in the same run.
// The tables are filled with INSERT ... SELECT generate_series: 97% sent, 1% each failed, deferred and queued, one
// recipient and one attempt per message, enqueued 2.5 s apart. Pages are fetched over HTTP from a real Kestrel server.
// Run: dotnet run -c Release --project benchmarks/DashboardBenchmarks -- [--rows 1000000] [--peer-rows 10000] [--samples 21]
var rows = Option("--rows", 1_000_000);
var peerRows = Option("--peer-rows", 10_000);
var samples = Option("--samples", 21);

Console.WriteLine($"// load at start: {Uptime()}");
using var cluster = new PostgresCluster();
var results = new Dictionary<int, Dictionary<string, (double Median, double P90)>>();
foreach (var size in new[] { peerRows, rows })
{
    var connectionString = cluster.ConnectionString(cluster.CreateDatabase()) + ";Command Timeout=600";
    var fill = Stopwatch.StartNew();
    await Fill.RunAsync(connectionString, size);
    Console.WriteLine($"// {size:N0} messages filled in {fill.Elapsed.TotalSeconds:0} s; {Uptime()}");
    results[size] = await Pages.MeasureAsync(connectionString, samples, explain: size == rows);
    foreach (var (page, (median, p90)) in results[size])
    {
        Console.WriteLine($"// {size:N0} messages, {page}: median {median:0.0} ms, p90 {p90:0.0} ms");
    }
}

Console.WriteLine();
Console.WriteLine($"| page (median of {samples} loads, p90 in brackets) | {peerRows:N0} messages (the peer) | {rows:N0} messages | ratio |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var page in results[rows].Keys)
{
    var (small, smallP90) = results[peerRows][page];
    var (large, largeP90) = results[rows][page];
    Console.WriteLine($"| {page} | {small:0.0} ms ({smallP90:0.0}) | {large:0.0} ms ({largeP90:0.0}) | {large / small:0.00} |");
}

Console.WriteLine($"// load at end: {Uptime()}");
return 0;

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) && value > 0 ? value : fallback;
}

static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

namespace TypedMail.Benchmarks.Dashboard
{
    public sealed class BenchContext(DbContextOptions<BenchContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
    }

    /// <summary>Creates the schema through EF Core and fills it in three statements.</summary>
    public static class Fill
    {
        public static async Task RunAsync(string connectionString, int count)
        {
            await using (var db = new BenchContext(new DbContextOptionsBuilder<BenchContext>().UseNpgsql(connectionString).Options))
            {
                await db.Database.EnsureCreatedAsync();
            }

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Execute(connection, $"""
                INSERT INTO typedmail_messages (id, message_id, email_type, tags, state, priority, created_at, due_at, "from", culture, subject,
                    html_body, text_body, attempt_count, sent_at, failed_at, last_error)
                SELECT gen_random_uuid(), 'm' || i || '@example.com', 'Shop.Emails.OrderConfirmationEmail', 'orders,confirmation',
                    CASE i % 100 WHEN 0 THEN 4 WHEN 1 THEN 3 WHEN 2 THEN 0 ELSE 2 END, 0,
                    now() - i * interval '2.5 seconds', now() - i * interval '2.5 seconds', 'Shop <shop@example.com>', 'en-GB',
                    'Your order A-' || i || ' is confirmed',
                    '<html><body><h1>Thank you for your order</h1><p>Order A-' || i || ' is confirmed and will ship soon.</p></body></html>',
                    'Thank you for your order. Order A-' || i || ' is confirmed and will ship soon.',
                    CASE WHEN i % 100 IN (0, 1) THEN 3 ELSE 1 END,
                    CASE WHEN i % 100 > 2 THEN now() - i * interval '2.5 seconds' + interval '1 second' END,
                    CASE WHEN i % 100 = 0 THEN now() - i * interval '2.5 seconds' + interval '1 minute' END,
                    CASE WHEN i % 100 IN (0, 1) THEN 'customer' || i || '@example.net: Rejected 451 4.2.2 Mailbox full' END
                FROM generate_series(1, {count}) AS i
                """);
            await Execute(connection, """
                INSERT INTO typedmail_recipients (outbox_message_id, kind, address, state, reply_code, reply_text)
                SELECT id, 0, 'Customer <' || message_id || '>', CASE state WHEN 2 THEN 1 WHEN 4 THEN 2 ELSE 0 END,
                    CASE state WHEN 2 THEN 250 WHEN 4 THEN 451 END, CASE state WHEN 2 THEN 'OK' WHEN 4 THEN 'Mailbox full' END
                FROM typedmail_messages
                """);
            await Execute(connection, """
                INSERT INTO typedmail_attempts (outbox_message_id, number, started_at, duration_ms, transport, dispatcher, outcome, reply_code, reply_text)
                SELECT id, 1, created_at, 12.5, 'smtp', 'bench', CASE state WHEN 2 THEN 0 ELSE 2 END, CASE state WHEN 2 THEN 250 ELSE 451 END,
                    CASE state WHEN 2 THEN 'OK' ELSE 'Mailbox full' END
                FROM typedmail_messages WHERE state <> 0
                """);
            await Execute(connection, "VACUUM ANALYZE");
        }

        private static async Task Execute(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 1200 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Serves the dashboard from a real Kestrel server and times page loads over HTTP.</summary>
    public static partial class Pages
    {
        public static async Task<Dictionary<string, (double Median, double P90)>> MeasureAsync(string connectionString, int samples, bool explain)
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            builder.Services.AddDbContextFactory<BenchContext>(o => o.UseNpgsql(connectionString));
            builder.Services.AddTypedMailDashboard<BenchContext>(o => o.AllowAnonymous = true);
            await using var app = builder.Build();
            app.MapTypedMailDashboard();
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/typedmail/dashboard/") };

            // The pages an operator opens: the overview, the failed list, its second page, a failed message, and the suppression list.
            var firstFailed = await client.GetStringAsync("messages?state=failed");
            var next = System.Net.WebUtility.HtmlDecode(OlderLink().Match(firstFailed).Groups[1].Value);
            var message = MessageLink().Match(firstFailed).Groups[1].Value;
            var pages = new (string Name, string Path)[]
            {
                ("overview: counts per state (capped at 10,000), the last hour", ""),
                ("failed messages, first page (50)", "messages?state=failed"),
                ("failed messages, second page (keyset)", next),
                ("sent messages, first page (50)", "messages?state=sent"),
                ("message detail", message),
            };

            var result = new Dictionary<string, (double, double)>();
            foreach (var (name, path) in pages)
            {
                if (path.Length == 0 && name != pages[0].Name)
                {
                    throw new InvalidOperationException($"The page '{name}' has no link: the fill went wrong.");
                }

                var times = new List<double>();
                for (var i = 0; i < samples + 3; i++)
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsStringAsync();
                    clock.Stop();
                    if (!response.IsSuccessStatusCode || body.Length < 500)
                    {
                        throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
                    }

                    if (i >= 3)
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds);
                    }
                }

                times.Sort();
                result[name] = (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.9) - 1]);
            }

            if (explain)
            {
                await ExplainAsync(connectionString);
            }

            await app.StopAsync();
            return result;
        }

        /// <summary>Prints PostgreSQL's plans for the dashboard's queries, as EF Core sends them, to show which index serves each.</summary>
        private static async Task ExplainAsync(string connectionString)
        {
            await using var db = new BenchContext(new DbContextOptionsBuilder<BenchContext>().UseNpgsql(connectionString).Options);
            var since = DateTime.UtcNow.AddHours(-1);
            var messages = db.Set<OutboxMessage>();
            var cursor = (CreatedAt: DateTime.UtcNow.AddDays(-10), Id: Guid.NewGuid());
            var queries = new (string Name, IQueryable Query)[]
            {
                ("sent messages, counted up to the cap", messages.Where(m => m.State == OutboxMessageState.Sent).Select(m => m.Id).Take(10_001)),
                ("the oldest deferred message (one of three, one per unsent state)", messages.Where(m => m.State == OutboxMessageState.Deferred)
                    .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Take(1)),
                ("sent in the last hour", messages.Where(m => m.State == OutboxMessageState.Sent && m.SentAt >= since).Select(m => m.Id)),
                ("failed in the last hour", messages.Where(m => m.State == OutboxMessageState.Failed && m.FailedAt >= since).Select(m => m.Id)),
                ("attempts in the last hour", db.Set<OutboxAttempt>().Where(a => a.StartedAt >= since).Select(a => a.Outcome)),
                ("a page of failed messages", messages.Where(m => m.State == OutboxMessageState.Failed).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(51)),
                ("a later page of sent messages (keyset)", messages.Where(m => m.State == OutboxMessageState.Sent)
                    .Where(m => m.CreatedAt <= cursor.CreatedAt && (m.CreatedAt < cursor.CreatedAt || m.Id.CompareTo(cursor.Id) < 0))
                    .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(51)),
            };
            await db.Database.OpenConnectionAsync();
            foreach (var (name, query) in queries)
            {
                var command = query.ToQueryString();
                var (parameters, sql) = Split(command);
                await using var explain = db.Database.GetDbConnection().CreateCommand();
                explain.CommandText = "EXPLAIN " + sql;
                foreach (var (key, value) in parameters)
                {
                    var p = explain.CreateParameter();
                    p.ParameterName = key;
                    p.Value = value;
                    explain.Parameters.Add(p);
                }

                Console.WriteLine($"// plan: {name}");
                await using var reader = await explain.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Console.WriteLine("//   " + reader.GetString(0));
                }
            }
        }

        /// <summary>ToQueryString's parameter comments (<c>-- @p='...'</c>) and the SQL after them.</summary>
        private static (List<(string, object)> Parameters, string Sql) Split(string command)
        {
            var parameters = new List<(string, object)>();
            var lines = command.Split('\n');
            var sql = new List<string>();
            foreach (var line in lines)
            {
                var match = ParameterComment().Match(line);
                if (match.Success)
                {
                    var text = match.Groups[2].Value;
                    object value = DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
                        ? DateTime.SpecifyKind(time, DateTimeKind.Utc)
                        : Guid.TryParse(text, out var id) ? id : int.TryParse(text, out var number) ? number : text;
                    parameters.Add((match.Groups[1].Value, value));
                }
                else
                {
                    sql.Add(line);
                }
            }

            return (parameters, string.Join('\n', sql));
        }

        [GeneratedRegex("<a id=\"older\" href=\"/typedmail/dashboard/([^\"]+)\">")]
        private static partial Regex OlderLink();

        [GeneratedRegex("<tr data-id=\"[^\"]+\"><td class=\"time\">[^<]*</td><td class=\"type\"><a href=\"/typedmail/dashboard/([^\"]+)\"")]
        private static partial Regex MessageLink();

        [GeneratedRegex("^-- (@\\w+)='([^']*)'")]
        private static partial Regex ParameterComment();
    }
}
