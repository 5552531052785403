using System;
using System.CommandLine;
using System.Linq;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using TypedMail.Outbox;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail suppress add|remove|list</c>: the addresses never sent to.</summary>
internal static class SuppressCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("suppress", "Manage the suppression list: addresses that are never sent to (recorded as suppressed, not dropped silently).");
        command.Subcommands.Add(Add(cli));
        command.Subcommands.Add(Remove(cli));
        command.Subcommands.Add(List(cli));
        return command;
    }

    private static Argument<string> AddressArgument() => new("address") { Description = "The address, such as ada@example.com; a display name is ignored." };

    private static EmailAddress Parse(string text)
        => EmailAddress.TryParse(text, out var address) ? address! : throw new UsageException($"'{text}' is not a valid email address.");

    private static Command Add(Cli cli)
    {
        var address = AddressArgument();
        var reason = new Option<string?>("--reason") { Description = "Why, such as 'hard bounce' or 'unsubscribed'." };
        var command = new Command("add", "Add an address to the suppression list, or update its reason. Pending recipients with it are suppressed at their next dispatch.") { address, reason };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var mailbox = Parse(parse.GetValue(address)!);
            await using var db = database.CreateDbContext();
            await OutboxMaintenance.SuppressAsync(db, mailbox, parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
            cli.Console.WriteLine($"Suppressed {OutboxSuppression.Normalize(mailbox)}.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove(Cli cli)
    {
        var address = AddressArgument();
        var command = new Command("remove", "Remove an address from the suppression list. Exits 3 if it was not on the list.") { address };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var mailbox = Parse(parse.GetValue(address)!);
            await using var db = database.CreateDbContext();
            if (!await OutboxMaintenance.UnsuppressAsync(db, mailbox, cancellationToken).ConfigureAwait(false))
            {
                await cli.Error.WriteLineAsync($"{OutboxSuppression.Normalize(mailbox)} is not on the suppression list.").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            cli.Console.WriteLine($"Removed {OutboxSuppression.Normalize(mailbox)} from the suppression list.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List(Cli cli)
    {
        var command = new Command("list", "List the suppressed addresses, with why and since when.");
        command.SetAction(cli.WithDatabase(async (_, database, cancellationToken) =>
        {
            await using var db = database.CreateDbContext();
            var rows = await db.Set<OutboxSuppression>().AsNoTracking().OrderBy(s => s.Address).ToListAsync(cancellationToken).ConfigureAwait(false);
            var table = new Table().AddColumns("Address", "Reason", "Since");
            foreach (var row in rows)
            {
                table.AddRow(new Text(row.Address), new Text(row.Reason ?? ""), new Text(Timestamps.Format(row.CreatedAt)));
            }

            cli.Console.Write(table);
            cli.Console.WriteLine($"{rows.Count} suppressed address(es).");
            return ExitCodes.Success;
        }));
        return command;
    }
}
