using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Spectre.Console;
using TypedMail.Diagnostics;
using TypedMail.Outbox;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail status</c>: messages per state and the oldest one not yet sent.</summary>
internal static class StatusCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("status", "Show how many messages are in each state, and the oldest one not yet sent.");
        command.SetAction(cli.WithDatabase(async (_, database, cancellationToken) =>
        {
            await using var db = database.CreateDbContext();
            var status = await OutboxStatus.ReadAsync(db, cancellationToken).ConfigureAwait(false);
            var table = new Table().AddColumn("State").AddColumn(new TableColumn("Messages").RightAligned());
            foreach (var (state, count) in status.Counts.OrderBy(c => c.Key))
            {
                table.AddRow(OutboxStatus.NameOf(state), count.ToString(CultureInfo.InvariantCulture));
            }

            table.AddRow("[bold]total[/]", "[bold]" + status.Counts.Values.Sum().ToString(CultureInfo.InvariantCulture) + "[/]");
            cli.Console.Write(table);
            if (status.OldestPending is { } oldest)
            {
                var age = cli.Time.GetUtcNow().UtcDateTime - oldest.CreatedAt;
                cli.Console.WriteLine(
                    $"Oldest pending: {oldest.Id} ({oldest.EmailType}), {OutboxStatus.NameOf(oldest.State)}, enqueued {Timestamps.Format(oldest.CreatedAt)} ({Durations.Format(age)} ago), due {Timestamps.Format(oldest.DueAt)}.");
            }
            else
            {
                cli.Console.WriteLine("Nothing pending.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}

/// <summary>UTC timestamps as the tool prints them.</summary>
internal static class Timestamps
{
    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Format(DateTime? utc) => utc is { } t ? Format(t) : "-";
}
