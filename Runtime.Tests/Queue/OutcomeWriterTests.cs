using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class OutcomeWriterTestsSqlite() : OutcomeWriterTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class OutcomeWriterTestsPostgres(PostgresCluster cluster) : OutcomeWriterTests(new PostgresShop(cluster));

/// <summary>The provider's set-based outcome writer: every row of a batch in one go, only under the claim's lease token.</summary>
public abstract class OutcomeWriterTests(ShopDatabase shop) : IDisposable
{
    private static readonly DateTime Now = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    public void Dispose() => shop.Dispose();

    [Fact]
    public async Task Writes_states_per_recipient_outcomes_and_attempts_only_where_the_lease_token_still_matches()
    {
        Guid sent, deferred, lost;
        await using (var db = shop.CreateDbContext())
        {
            sent = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-1", 1m), to: "good@example.com", new EnqueueOptions { Cc = ["gone@example.com"] }).Id;
            deferred = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-2", 1m), to: "later@example.com").Id;
            lost = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-3", 1m), to: "taken@example.com").Id;
            await db.SaveChangesAsync();
        }

        var token = Guid.NewGuid();
        var takenOver = Guid.NewGuid();
        HashSet<Guid> written;
        await using (var db = shop.CreateDbContext())
        {
            var provider = OutboxProvider.For(db);
            var claimed = (await provider.ClaimAsync(db, "writer", token, 10, DateTime.UtcNow.AddMinutes(1), Now.AddYears(10), default)).ToDictionary(m => m.Id);
            Assert.Equal(3, claimed.Count);
            Assert.Empty(db.ChangeTracker.Entries());
            var recipients = await db.Set<OutboxRecipient>().AsNoTracking().ToListAsync();

            // Another dispatcher takes the third message over before the outcomes are written.
            await db.Set<OutboxMessage>().Where(m => m.Id == lost).ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseToken, takenOver));

            var a = claimed[sent];
            (a.State, a.AttemptCount, a.SentAt, a.LeaseOwner, a.LeaseExpiresAt, a.LastError) = (OutboxMessageState.Sent, 1, Now, null, null, "gone@example.com: Rejected 550");
            var good = recipients.Single(r => r.Address == "good@example.com");
            (good.State, good.ReplyCode, good.EnhancedStatus, good.ReplyText) = (RecipientState.Accepted, 250, "2.0.0", "ok");
            var gone = recipients.Single(r => r.Address == "gone@example.com");
            (gone.State, gone.ReplyCode, gone.EnhancedStatus, gone.ReplyText) = (RecipientState.Rejected, 550, "5.1.1", "no such user");

            var b = claimed[deferred];
            (b.State, b.AttemptCount, b.DueAt, b.LeaseOwner, b.LeaseExpiresAt, b.LastError) = (OutboxMessageState.Deferred, 1, Now.AddMinutes(5), null, null, "451 try later");
            var later = recipients.Single(r => r.Address == "later@example.com");
            (later.ReplyCode, later.ReplyText) = (451, "try later");

            var c = claimed[lost];
            (c.State, c.AttemptCount, c.SentAt) = (OutboxMessageState.Sent, 1, Now);
            var taken = recipients.Single(r => r.Address == "taken@example.com");
            taken.State = RecipientState.Accepted;

            written = await provider.WriteOutcomesAsync(db, token, new OutcomeBatch(
                [a, b, c],
                [good, gone, later, taken],
                [Attempt(sent, AttemptOutcome.PartiallyAccepted, 250, null), Attempt(deferred, AttemptOutcome.TransientFailure, 451, "try later"), Attempt(lost, AttemptOutcome.Accepted, 250, null)]), default);
        }

        Assert.Equal(new[] { sent, deferred }.Order(), written.Order());
        await using (var db = shop.CreateDbContext())
        {
            var rows = await db.Set<OutboxMessage>().Include(m => m.Recipients).Include(m => m.Attempts).AsSplitQuery().AsNoTracking().ToDictionaryAsync(m => m.Id);

            var a = rows[sent];
            Assert.Equal((OutboxMessageState.Sent, 1, (DateTime?)Now, (string?)null, (DateTime?)null, "gone@example.com: Rejected 550"), (a.State, a.AttemptCount, a.SentAt, a.LeaseOwner, a.LeaseExpiresAt, a.LastError));
            Assert.Equal(token, a.LeaseToken);
            var byAddress = a.Recipients.ToDictionary(r => r.Address, r => (r.State, r.ReplyCode, r.EnhancedStatus, r.ReplyText));
            Assert.Equal((RecipientState.Accepted, (int?)250, "2.0.0", "ok"), byAddress["good@example.com"]);
            Assert.Equal((RecipientState.Rejected, (int?)550, "5.1.1", "no such user"), byAddress["gone@example.com"]);
            var attempt = Assert.Single(a.Attempts);
            Assert.Equal((1, Now, 12.5, "smtp", "writer", AttemptOutcome.PartiallyAccepted, (int?)250, (string?)null), (attempt.Number, attempt.StartedAt, attempt.DurationMs, attempt.Transport, attempt.Dispatcher, attempt.Outcome, attempt.ReplyCode, attempt.Error));

            var b = rows[deferred];
            Assert.Equal((OutboxMessageState.Deferred, 1, Now.AddMinutes(5), "451 try later", (DateTime?)null), (b.State, b.AttemptCount, b.DueAt, b.LastError, b.SentAt));
            Assert.Equal((RecipientState.Pending, (int?)451, "try later"), (b.Recipients.Single().State, b.Recipients.Single().ReplyCode, b.Recipients.Single().ReplyText));
            Assert.Equal("try later", Assert.Single(b.Attempts).Error);

            // The message another dispatcher holds keeps its state: not its message row, nor its recipient, nor an attempt.
            var c = rows[lost];
            Assert.Equal((OutboxMessageState.Sending, 0, (DateTime?)null, "writer", (Guid?)takenOver), (c.State, c.AttemptCount, c.SentAt, c.LeaseOwner, c.LeaseToken));
            Assert.Equal((RecipientState.Pending, (int?)null), (c.Recipients.Single().State, c.Recipients.Single().ReplyCode));
            Assert.Empty(c.Attempts);
        }
    }

    [Fact]
    public async Task An_empty_batch_and_a_batch_of_only_lost_leases_write_nothing()
    {
        await using (var db = shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-4", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        await using (var db = shop.CreateDbContext())
        {
            var provider = OutboxProvider.For(db);
            Assert.Empty(await provider.WriteOutcomesAsync(db, Guid.NewGuid(), new OutcomeBatch([], [], []), default));
            var message = Assert.Single(await provider.ClaimAsync(db, "writer", Guid.NewGuid(), 10, DateTime.UtcNow.AddMinutes(1), Now.AddYears(10), default));
            message.State = OutboxMessageState.Sent;
            Assert.Empty(await provider.WriteOutcomesAsync(db, Guid.NewGuid(), new OutcomeBatch([message], [], [Attempt(message.Id, AttemptOutcome.Accepted, 250, null)]), default));
        }

        await using (var check = shop.CreateDbContext())
        {
            Assert.Equal(OutboxMessageState.Sending, (await check.Set<OutboxMessage>().SingleAsync()).State);
            Assert.False(await check.Set<OutboxAttempt>().AnyAsync());
        }
    }

    private static OutboxAttempt Attempt(Guid message, AttemptOutcome outcome, int code, string? error) => new()
    {
        OutboxMessageId = message,
        Number = 1,
        StartedAt = Now,
        DurationMs = 12.5,
        Transport = "smtp",
        Dispatcher = "writer",
        Outcome = outcome,
        ReplyCode = code,
        Error = error,
    };
}
