using System;
using System.CommandLine;
using Spectre.Console;
using TypedMail.Outbox;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail retry</c>: puts failed or deferred messages back in the queue, due now.</summary>
internal static class RetryCommand
{
    public static Command Create(Cli cli)
    {
        var id = new Argument<string?>("id")
        {
            Description = "The message's outbox id or Message-ID. Leave it out with --all-failed.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var allFailed = new Option<bool>("--all-failed") { Description = "Retry every failed (dead) message." };
        var command = new Command(
            "retry",
            "Put a failed or deferred message back in the queue, due now, with a fresh attempt budget. Recipients rejected for good (5xx) stay rejected.")
        {
            id, allFailed,
        };
        command.Validators.Add(r =>
        {
            var hasId = r.GetValue(id) is not null;
            if (hasId == r.GetValue(allFailed))
            {
                r.AddError("Give either a message id or --all-failed.");
            }
        });
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            await using var db = database.CreateDbContext();
            if (parse.GetValue(allFailed))
            {
                var requeued = await OutboxMaintenance.RequeueFailedAsync(db, cancellationToken).ConfigureAwait(false);
                cli.Console.WriteLine($"Requeued {requeued} failed message(s).");
                return ExitCodes.Success;
            }

            var message = await ShowCommand.FindAsync(db, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                await cli.Error.WriteLineAsync($"No message with id or Message-ID '{parse.GetValue(id)}'.").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            if (!await OutboxMaintenance.RequeueAsync(db, message.Id, cancellationToken).ConfigureAwait(false))
            {
                await cli.Error.WriteLineAsync($"Message {message.Id} is {Diagnostics.OutboxStatus.NameOf(message.State)}: only failed or deferred messages can be retried.").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            cli.Console.WriteLine($"Requeued {message.Id}; it is due now.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
