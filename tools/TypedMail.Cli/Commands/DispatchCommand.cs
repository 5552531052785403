using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail dispatch</c>: sends what is due, once or continuously.</summary>
internal static class DispatchCommand
{
    public static Command Create(Cli cli)
    {
        var pickup = new Option<string?>("--pickup")
        {
            Description = "Send by writing each message as an .eml file into this folder.",
        };
        var smtpHost = new Option<string?>("--smtp-host") { Description = "Send to this SMTP server." };
        var smtpPort = new Option<int?>("--smtp-port") { Description = "The SMTP port; by default 587 (STARTTLS), 465 (implicit TLS) or 25 (none)." };
        var smtpTls = new Option<SmtpTlsMode>("--smtp-tls")
        {
            Description = "How the SMTP connection is encrypted.",
            DefaultValueFactory = _ => new SmtpOptions().TlsMode,
        };
        var smtpUser = new Option<string?>("--smtp-user")
        {
            Description = $"The SMTP user for AUTH; the password comes from the {SmtpPasswordVariable} environment variable, or an OAuth 2.0 access token from {SmtpAccessTokenVariable} (XOAUTH2/OAUTHBEARER), never the command line.",
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

        var command = new Command("dispatch", "Send the messages that are due, once (the default) or continuously with --watch, to a pickup folder or an SMTP server. Exits 1 when some were deferred or failed.")
        {
            pickup, smtpHost, smtpPort, smtpTls, smtpUser, batchSize, watch, pollInterval,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(pickup) is null) == (r.GetValue(smtpHost) is null))
            {
                r.AddError("Give the transport: either --pickup <folder> or --smtp-host <host>.");
            }
        });
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var options = new DispatcherOptions { BatchSize = parse.GetValue(batchSize), PollInterval = parse.GetValue(pollInterval) };
            await using var transport = CreateTransport(cli, parse.GetValue(pickup), parse.GetValue(smtpHost), parse.GetValue(smtpPort), parse.GetValue(smtpTls), parse.GetValue(smtpUser));
            if (parse.GetValue(watch))
            {
                options.ListenForNotifications = database.Provider == Providers.Postgres;

                var logged = new OutboxDispatcher<OutboxContext>(database, transport.Transport, options, new ConsoleLogger<OutboxDispatcher<OutboxContext>>(cli.Console, cli.Time), cli.Time);
                cli.Console.WriteLine($"Dispatching to {transport.Description} until Ctrl+C.");
                await logged.RunAsync(cancellationToken).ConfigureAwait(false);
                cli.Console.WriteLine("Stopped.");
                return ExitCodes.Success;
            }

            var dispatcher = new OutboxDispatcher<OutboxContext>(database, transport.Transport, options, logger: null, cli.Time);

            var due = await CountDueAsync(database, cli.Time, cancellationToken).ConfigureAwait(false);
            var total = default(DispatchSummary);
            if (due > options.BatchSize && cli.Console.Profile.Capabilities.Interactive)
            {
                await cli.Console.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Dispatching", maxValue: due);
                    total = await dispatcher.DispatchDueAsync(new BatchProgress(b => task.Increment(b.Claimed)), cancellationToken).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                }).ConfigureAwait(false);
            }
            else
            {
                total = await dispatcher.DispatchDueAsync(progress: null, cancellationToken).ConfigureAwait(false);
            }

            cli.Console.WriteLine(Describe(total));
            return total.Deferred + total.Failed > 0 ? ExitCodes.NotAllSent : ExitCodes.Success;
        }));
        return command;
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

    /// <summary>The pickup folder or SMTP server from the command line; the SMTP password only from the environment.</summary>
    private static ChosenTransport CreateTransport(Cli cli, string? pickup, string? host, int? port, SmtpTlsMode tls, string? user)
    {
        if (pickup is not null)
        {
            var folder = new PickupFolderTransport(pickup);
            return new ChosenTransport(folder, folder.Folder);
        }

        var password = user is null ? null : cli.Environment(SmtpPasswordVariable);
        var token = user is null ? null : cli.Environment(SmtpAccessTokenVariable);
        var options = new SmtpOptions
        {
            Host = host!,
            Port = port,
            TlsMode = tls,
            UserName = user,
            Password = password,
            AccessTokenProvider = token is null ? null : new SmtpAccessTokenProvider((_, _, _) => ValueTask.FromResult(token)),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            // SmtpOptions names the setting and its value, never the password or the token.
            throw new UsageException($"Invalid SMTP settings (--smtp-*, {SmtpPasswordVariable} or {SmtpAccessTokenVariable}): {ex.Message}");
        }

        return new ChosenTransport(new SmtpTransport(options), "smtp " + options);
    }

    public const string SmtpPasswordVariable = "TYPEDMAIL_SMTP_PASSWORD";

    public const string SmtpAccessTokenVariable = "TYPEDMAIL_SMTP_ACCESS_TOKEN";

    private static string Describe(DispatchSummary s) => $"Dispatched {s.Claimed}: {s.Sent} sent, {s.Deferred} deferred, {s.Failed} failed.";
}

/// <summary>Reports each batch as it completes, on the dispatching thread (<see cref="Progress{T}"/> would post it later).</summary>
internal sealed class BatchProgress(Action<DispatchSummary> onBatch) : IProgress<DispatchSummary>
{
    public void Report(DispatchSummary value) => onBatch(value);
}

/// <summary>A transport and how to name it in output (never with a password); disposes an SMTP transport's connections.</summary>
internal sealed record ChosenTransport(IEmailTransport Transport, string Description) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Transport is IAsyncDisposable d ? d.DisposeAsync() : ValueTask.CompletedTask;
}
