using System;
using System.CommandLine;
using Spectre.Console;
using TypedMail.Outbox;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail purge --older-than 30d</c>: the retention purge.</summary>
internal static class PurgeCommand
{
    public static Command Create(Cli cli)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "Delete sent messages that finished longer ago than this: 30d, 12h, 90m, 45s, or 7.00:00:00.",
            Required = true,
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (Durations.TryParse(text, out var duration))
                {
                    return duration;
                }

                r.AddError($"--older-than '{text}' is not a duration: write it as 30d, 12h, 90m, 45s or 7.00:00:00.");
                return default;
            },
        };
        var includeFailed = new Option<bool>("--include-failed") { Description = "Also delete failed (dead) messages that failed longer ago than that." };
        var command = new Command(
            "purge",
            "Delete finished mail older than a cut-off: sent messages (and failed ones with --include-failed), old attempt-log rows, and attachment contents nothing links to. Queued, sending and deferred mail is never touched.")
        {
            olderThan, includeFailed,
        };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var cutoff = cli.Time.GetUtcNow() - parse.GetValue(olderThan);
            await using var db = database.CreateDbContext();
            var result = await OutboxMaintenance.PurgeAsync(db, cutoff, parse.GetValue(includeFailed), cancellationToken).ConfigureAwait(false);
            cli.Console.WriteLine(
                $"Purged {result.Messages} message(s), {result.Attempts} older attempt(s) of kept messages, and {result.Blobs} attachment content(s), finished before {Timestamps.Format(cutoff.UtcDateTime)}.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
