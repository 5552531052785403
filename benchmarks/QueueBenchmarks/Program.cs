using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TypedMail.Benchmarks.Queue;
using TypedMail.Runtime.Tests.Infrastructure;

// The queue end to end, each figure next to a peer measured in the same run:
//   enqueue   render + insert through Enqueue, against plain EF Core inserts of the same text (one row; the outbox's two rows);
//   bulk      a fan-out through EnqueueManyAsync in one transaction, against plain EF Core AddRange of one-row emails of the same text;
//   dispatch  the burn-down: a committed queue drained to postfix's smtp-sink by hosted dispatchers (SQLite 1,
//             PostgreSQL 4; --in-flight batches each), against SmtpTransport alone on the same connections, and the
//             database floor (the same drain with an instant in-memory transport, which waits --send-delay ms per
//             batch first when given); the heap peak while draining;
//   latency   commit-to-accepted p50/p99 with wake-ups, against polling only;
//   steady    a producer committing --rate emails/s for --seconds s while 4 hosted dispatchers drain (PostgreSQL);
//             with --listen they also listen for notifications.
// Each section runs on SQLite (a WAL file) and on a private PostgreSQL 15 cluster this program starts.
// Run: dotnet run -c Release --project benchmarks/QueueBenchmarks -- [enqueue] [bulk] [dispatch] [latency] [steady] [--rounds 5]
//      [--messages 100000] [--batch 50] [--in-flight 2] [--send-delay 0] [--samples 200] [--rate 2000] [--seconds 60] [--listen] [--fan-out 50000]
var sections = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToHashSet(StringComparer.OrdinalIgnoreCase);
if (sections.Count == 0)
{
    sections = ["enqueue", "bulk", "dispatch", "latency", "steady"];
}

var unknown = sections.Except(["enqueue", "bulk", "dispatch", "latency", "steady"], StringComparer.OrdinalIgnoreCase).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown section '{unknown[0]}': use enqueue, bulk, dispatch, latency or steady.");
    return 2;
}

var rounds = Option("--rounds", 5);
var messages = Option("--messages", 100_000);
var batch = Option("--batch", 50);
var inFlight = Option("--in-flight", 2);
var sendDelay = TimeSpan.FromMilliseconds(args.Contains("--send-delay") ? Option("--send-delay", 0) : 0);
var samples = Option("--samples", 200);
var rate = Option("--rate", 2_000);
var seconds = Option("--seconds", 60);
var fanOut = Option("--fan-out", 50_000);

Console.WriteLine($"// load at start: {Uptime()}");
using var cluster = new PostgresCluster();
Func<QueueDatabase>[] providers = [QueueDatabase.Sqlite, () => QueueDatabase.PostgreSql(cluster)];

if (sections.Contains("enqueue"))
{
    var rows = new List<string[]>();
    foreach (var open in providers)
    {
        rows.AddRange(await EnqueueBenchmark.RunAsync(open, rounds));
    }

    Table($"Enqueue rate (median of {rounds} rounds)", ["Database", "Emails per transaction", "TypedMail Enqueue (emails/s)", "Plain EF Core, one row of the same text (rows/s)", "Ratio", "Plain EF Core, the same two outbox rows (emails/s)", "Ratio", "Allocated per email: TypedMail / one row / outbox rows"], rows);
}

if (sections.Contains("bulk"))
{
    var rows = new List<string[]>();
    foreach (var open in providers)
    {
        rows.Add(await BulkEnqueueBenchmark.RunAsync(open, fanOut, rounds));
    }

    Table($"Bulk enqueue, {fanOut:N0} emails in one transaction (median of {rounds} rounds)", ["Database", "Emails", "EnqueueManyAsync (emails/s)", "Plain EF Core AddRange, one row of the same text (rows/s)", "Ratio"], rows);
}

if (sections.Contains("dispatch"))
{
    var rows = new List<string[]>();
    rows.AddRange(await DispatchBenchmark.RunAsync(providers[0], 1, messages, batch, inFlight, sendDelay));
    rows.AddRange(await DispatchBenchmark.RunAsync(providers[1], 4, messages, batch, inFlight, sendDelay));
    Table($"Burn-down: {messages:N0} committed emails to smtp-sink, batches of {batch}", ["Database", "Hosted dispatchers", "Batches in flight per dispatcher", "Emails", "Queue drained (emails/s)", "SmtpTransport alone, same connections (emails/s)", "Ratio", $"Database floor: instant in-memory transport{(sendDelay > TimeSpan.Zero ? $" after {sendDelay.TotalMilliseconds:0} ms per batch" : "")} (emails/s)", "Managed heap: before / peak / after", "Full GCs while draining / most found alive by one", "Allocated per batch: queue / SmtpTransport alone / instant transport"], rows);
}

if (sections.Contains("steady"))
{
    var rows = await SteadyStateBenchmark.RunAsync(providers[1], 4, rate, seconds, batch, args.Contains("--listen"));
    Table("Steady state", ["Database", "Hosted dispatchers", "Producer", "Emails", "Backlog max", "p50", "p99", "max", "Claims / empty"], rows);
}

if (sections.Contains("latency"))
{
    var rows = new List<string[]>();
    var poll = TimeSpan.FromSeconds(5);
    rows.AddRange(await LatencyBenchmark.RunAsync(providers[0], WakeMode.LocalCommit, poll, samples));
    rows.AddRange(await LatencyBenchmark.RunAsync(providers[0], WakeMode.PollingOnly, poll, samples));
    rows.AddRange(await LatencyBenchmark.RunAsync(providers[1], WakeMode.LocalCommit, poll, samples));
    rows.AddRange(await LatencyBenchmark.RunAsync(providers[1], WakeMode.ListenNotify, poll, samples));
    rows.AddRange(await LatencyBenchmark.RunAsync(providers[1], WakeMode.PollingOnly, poll, samples));
    Table("Commit-to-accepted latency", ["Database", "How the dispatcher learns of new mail", "Emails", "p50", "p99", "max"], rows);
}

Console.WriteLine($"// load at end: {Uptime()}");
return 0;

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) && value > 0 ? value : fallback;
}

static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static void Table(string title, string[] header, List<string[]> rows)
{
    Console.WriteLine();
    Console.WriteLine("### " + title);
    Console.WriteLine();
    Console.WriteLine("| " + string.Join(" | ", header) + " |");
    Console.WriteLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
    foreach (var row in rows)
    {
        Console.WriteLine("| " + string.Join(" | ", row) + " |");
    }

    Console.WriteLine();
}
