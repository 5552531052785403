using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Spectre.Console.Rendering;
using TypedMail.Diagnostics;
using TypedMail.Outbox;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail show &lt;id&gt;</c>: one message's headers, recipients and every attempt.</summary>
internal static class ShowCommand
{
    public static Command Create(Cli cli)
    {
        var id = new Argument<string>("id") { Description = "The message's outbox id (a GUID) or its Message-ID." };
        var command = new Command("show", "Show one message: its headers and queue state, its recipients, and every attempt to send it.") { id };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            await using var db = database.CreateDbContext();
            var message = await FindAsync(db, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                await cli.Error.WriteLineAsync($"No message with id or Message-ID '{parse.GetValue(id)}'.").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            Write(cli.Console, message);
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Finds a message by its key or its Message-ID (with or without angle brackets), with recipients and attempts.</summary>
    public static async Task<OutboxMessage?> FindAsync(DbContext db, string idOrMessageId, CancellationToken cancellationToken)
    {
        var messages = db.Set<OutboxMessage>().AsNoTracking().Include(m => m.Recipients).Include(m => m.Attempts);
        if (Guid.TryParse(idOrMessageId, out var key))
        {
            return await messages.SingleOrDefaultAsync(m => m.Id == key, cancellationToken).ConfigureAwait(false);
        }

        var messageId = idOrMessageId.Trim().TrimStart('<').TrimEnd('>');
        return OutboxMessage.KeyOfMessageId(messageId) is { } id
            ? await messages.SingleOrDefaultAsync(m => m.Id == id && m.MessageId == messageId, cancellationToken).ConfigureAwait(false)
            : null;
    }

    private static void Write(IAnsiConsole console, OutboxMessage m)
    {
        var headers = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value)
        {
            if (value is not null)
            {
                headers.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
            }
        }

        string Recipients(RecipientKind kind)
        {
            var list = m.Recipients.Where(r => r.Kind == kind).Select(r => r.Address).ToList();
            return list.Count == 0 ? null! : string.Join(", ", list);
        }

        Row("Message-ID", "<" + m.MessageId + ">");
        Row("Date", Timestamps.Format(m.CreatedAt));
        Row("From", m.From);
        Row("Reply-To", m.ReplyTo);
        Row("To", Recipients(RecipientKind.To));
        Row("Cc", Recipients(RecipientKind.Cc));
        Row("Bcc", Recipients(RecipientKind.Bcc));
        Row("Subject", m.Subject);
        if (m.Headers is not null)
        {
            // A JSON array of [name, value] pairs (OutboxMessage.Headers).
            using var stored = JsonDocument.Parse(m.Headers);
            foreach (var pair in stored.RootElement.EnumerateArray())
            {
                Row(pair[0].GetString()!, pair[1].GetString());
            }
        }

        Row("Outbox id", m.Id.ToString());
        Row("Email type", m.EmailType);
        Row("Culture", m.Culture.Length == 0 ? null : m.Culture);
        Row("Category", m.Category);
        Row("Tags", m.Tags?.Replace(",", ", ", StringComparison.Ordinal));
        Row("Metadata", Metadata(m.Metadata));
        Row("Bounce address", m.BounceAddress);
        Row("State", OutboxStatus.NameOf(m.State));
        Row("Priority", m.Priority.ToString(CultureInfo.InvariantCulture));
        Row("Due", Timestamps.Format(m.DueAt));
        Row("Sent", m.SentAt is null ? null : Timestamps.Format(m.SentAt));
        Row("Failed", m.FailedAt is null ? null : Timestamps.Format(m.FailedAt));
        Row("Transport", m.Transport);
        Row("Idempotency key", m.IdempotencyKey);
        Row("Lease", m.LeaseOwner is null ? null : $"{m.LeaseOwner} until {Timestamps.Format(m.LeaseExpiresAt)}");
        Row("Last error", m.LastError);
        console.Write(headers);

        var recipients = new Table().Title("Recipients").AddColumns("Kind", "Address", "State", "Last reply");
        foreach (var r in m.Recipients.OrderBy(r => r.Id))
        {
            var reply = string.Join(" ", new[] { r.ReplyCode?.ToString(CultureInfo.InvariantCulture), r.EnhancedStatus, r.ReplyText }.Where(s => s is not null));
            recipients.AddRow(Cells(r.Kind.ToString(), r.Address, r.State.ToString(), reply));
        }

        console.Write(recipients);

        if (m.Attempts.Count == 0)
        {
            console.WriteLine("No attempts yet.");
            return;
        }

        var attempts = new Table().Title($"Attempts ({m.Attempts.Count})").AddColumns("#", "Started", "Duration", "Transport", "Dispatcher", "Outcome", "Reply", "Error");
        foreach (var a in m.Attempts.OrderBy(a => a.Number).ThenBy(a => a.Id))
        {
            var reply = string.Join(" ", new[] { a.ReplyCode?.ToString(CultureInfo.InvariantCulture), a.EnhancedStatus, a.ReplyText }.Where(s => s is not null));
            attempts.AddRow(Cells(
                a.Number.ToString(CultureInfo.InvariantCulture),
                Timestamps.Format(a.StartedAt),
                a.DurationMs.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
                a.Transport,
                a.Dispatcher,
                a.Outcome.ToString(),
                reply,
                a.Error ?? ""));
        }

        console.Write(attempts);
    }

    /// <summary>The stored metadata as <c>key=value</c> pairs, one per line.</summary>
    private static string? Metadata(string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(stored);
        return string.Join("\n", document.RootElement.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()));
    }

    /// <summary>Plain-text cells: message data is never read as Spectre markup.</summary>
    private static IRenderable[] Cells(params string[] values) => values.Select(v => (IRenderable)new Text(v)).ToArray();
}
