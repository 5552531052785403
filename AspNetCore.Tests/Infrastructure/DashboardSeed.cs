using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.AspNetCore.Tests.Emails;
using TypedMail.Outbox;

namespace TypedMail.AspNetCore.Tests.Infrastructure;

/// <summary>Messages for the dashboard tests, enqueued the way an application does.</summary>
public static class DashboardSeed
{
    public static async Task<Guid> EnqueueAsync(this DashboardServer server, string to, string firstName = "Ada")
    {
        await using var db = server.CreateDbContext();
        var enqueued = db.Emails().Enqueue(
            new WelcomeEmail(firstName, "Acme Mail", 3), to, new EnqueueOptions { Tags = ["welcome", "trial"] }, new CultureInfo("fr"));
        await db.SaveChangesAsync();
        return enqueued.Id;
    }

    /// <summary>A message as a dispatcher leaves it after giving up: failed, its recipient rejected with the reply, one attempt logged.</summary>
    public static async Task<Guid> EnqueueFailedAsync(this DashboardServer server, string to, string reply, string firstName = "Ada")
    {
        var id = await server.EnqueueAsync(to, firstName);
        await using var db = server.CreateDbContext();
        var code = int.Parse(reply[..3], CultureInfo.InvariantCulture);
        await db.Set<OutboxMessage>().Where(m => m.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxMessageState.Failed).SetProperty(m => m.FailedAt, DateTime.UtcNow)
            .SetProperty(m => m.AttemptCount, 1).SetProperty(m => m.LastError, reply));
        await db.Set<OutboxRecipient>().Where(r => r.OutboxMessageId == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, RecipientState.Rejected).SetProperty(r => r.ReplyCode, code).SetProperty(r => r.ReplyText, reply[4..]));
        db.Add(new OutboxAttempt
        {
            OutboxMessageId = id, Number = 1, StartedAt = DateTime.UtcNow, DurationMs = 12.5, Transport = "smtp", Dispatcher = "test",
            Outcome = code >= 500 ? AttemptOutcome.PermanentFailure : AttemptOutcome.TransientFailure, ReplyCode = code, ReplyText = reply[4..],
        });
        await db.SaveChangesAsync();
        return id;
    }

    public static async Task<OutboxMessageState> StateAsync(this DashboardServer server, Guid id)
    {
        await using var db = server.CreateDbContext();
        return await db.Set<OutboxMessage>().Where(m => m.Id == id).Select(m => m.State).SingleAsync();
    }
}
