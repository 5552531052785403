using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.PostgreSql;
using TypedMail.Transports;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail dispatch</c>: sends what is due, once or continuously.</summary>
internal static class DispatchCommand
{
    public static Command Create(Cli cli)
    {
        var pickup = new Option<string>("--pickup")
        {
            Description = "Send by writing each message as an .eml file into this folder.",
            Required = true,
        };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Messages claimed and sent at once.",
            DefaultValueFactory = _ => new DispatcherOptions().BatchSize,
        };
        batchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--batch-size must be at least 1, but is {r.GetValueOrDefault<int>()}.");
            }
        });
        var watch = new Option<bool>("--watch", "-w")
        {
            Description = "Keep dispatching as mail becomes due, until Ctrl+C. On PostgreSQL, woken by NOTIFY when mail is committed.",
        };
        var pollInterval = new Option<TimeSpan>("--poll-interval")
        {
            Description = "With --watch: how often to look for due mail when nothing wakes the dispatcher, such as 00:00:05.",
            DefaultValueFactory = _ => new DispatcherOptions().PollInterval,
        };
        pollInterval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<TimeSpan>() <= TimeSpan.Zero)
            {
                r.AddError($"--poll-interval must be longer than zero, but is {r.GetValueOrDefault<TimeSpan>()}.");
            }
        });

        var command = new Command("dispatch", "Send the messages that are due, once (the default) or continuously with --watch. Exits 1 when some were deferred or failed.")
        {
            pickup, batchSize, watch, pollInterval,
        };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var options = new DispatcherOptions { BatchSize = parse.GetValue(batchSize), PollInterval = parse.GetValue(pollInterval) };
            var transport = new PickupFolderTransport(parse.GetValue(pickup)!);
            if (parse.GetValue(watch))
            {
                if (database.Provider == Providers.Postgres)
                {
                    options.WakeSources.Add(new PostgreSqlNotificationWakeSource(database.ConnectionString));
                }

                var logged = new OutboxDispatcher<OutboxContext>(database, transport, options, new ConsoleLogger<OutboxDispatcher<OutboxContext>>(cli.Console, cli.Time), cli.Time);
                cli.Console.WriteLine($"Dispatching to {transport.Folder} until Ctrl+C.");
                await logged.RunAsync(cancellationToken).ConfigureAwait(false);
                cli.Console.WriteLine("Stopped.");
                return ExitCodes.Success;
            }

            var dispatcher = new OutboxDispatcher<OutboxContext>(database, transport, options, logger: null, cli.Time);

            var due = await CountDueAsync(database, cli.Time, cancellationToken).ConfigureAwait(false);
            var total = default(DispatchSummary);
            if (due > options.BatchSize && cli.Console.Profile.Capabilities.Interactive)
            {
                await cli.Console.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Dispatching", maxValue: due);
                    total = await DispatchAllAsync(dispatcher, options.BatchSize, b => task.Increment(b.Claimed), cancellationToken).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                }).ConfigureAwait(false);
            }
            else
            {
                total = await DispatchAllAsync(dispatcher, options.BatchSize, _ => { }, cancellationToken).ConfigureAwait(false);
            }

            cli.Console.WriteLine(Describe(total));
            return total.Deferred + total.Failed > 0 ? ExitCodes.NotAllSent : ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<DispatchSummary> DispatchAllAsync(OutboxDispatcher<OutboxContext> dispatcher, int batchSize, Action<DispatchSummary> onBatch, CancellationToken cancellationToken)
    {
        var total = default(DispatchSummary);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await dispatcher.DispatchBatchAsync(cancellationToken).ConfigureAwait(false);
            total += batch;
            onBatch(batch);
            if (batch.Claimed < batchSize || batch.Released > 0)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>Messages a dispatcher could claim now: queued or deferred and due, or sending with an expired lease.</summary>
    private static async Task<int> CountDueAsync(OutboxDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = database.CreateDbContext();
        return await db.Set<OutboxMessage>().CountAsync(
            m => ((m.State == OutboxMessageState.Queued || m.State == OutboxMessageState.Deferred) && m.DueAt <= now)
                || (m.State == OutboxMessageState.Sending && m.LeaseExpiresAt < now),
            cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(DispatchSummary s) => $"Dispatched {s.Claimed}: {s.Sent} sent, {s.Deferred} deferred, {s.Failed} failed.";
}
