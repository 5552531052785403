using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueEnqueueTestsSqlite() : QueueEnqueueTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class QueueEnqueueTestsPostgres(PostgresCluster cluster) : QueueEnqueueTests(new PostgresShop(cluster))
{
    [Fact]
    public async Task Under_a_retrying_execution_strategy_mail_and_business_data_save_together()
    {
        // A retrying strategy refuses transactions begun outside it: the mail rides in the one EF Core begins inside it.
        Shop.ConfigureContext = b => new NpgsqlDbContextOptionsBuilder(b).EnableRetryOnFailure();
        await using (var db = Shop.CreateDbContext())
        {
            db.Orders.Add(new Order { Number = "R-1" });
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "R-1", 1m), to: "ada@example.com");
            Assert.Equal(3, await db.SaveChangesAsync());
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Orders.CountAsync());
        Assert.Equal(1, await check.Set<OutboxRecipient>().CountAsync());
    }
}

/// <summary>Enqueue: idempotency keys, content-addressed attachments, recipient de-duplication, limits.</summary>
public abstract class QueueEnqueueTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    private static OrderConfirmationEmail Order(string number) => new("Ada", number, 10m);

    [Fact]
    public async Task Same_idempotency_key_twice_in_one_context_adds_one_message()
    {
        await using var db = Shop.CreateDbContext();
        var first = db.Emails().Enqueue(Order("A-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-A-1" });
        var second = db.Emails().Enqueue(Order("A-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-A-1" });
        Assert.Equal(first, second);
        Assert.Single(db.ChangeTracker.Entries<OutboxMessage>());
        await db.SaveChangesAsync();

        await using var check = Shop.CreateDbContext();
        var row = await check.Set<OutboxMessage>().SingleAsync();
        Assert.Equal(first.Id, row.Id);
        Assert.Equal("order-A-1", row.IdempotencyKey);
    }

    [Fact]
    public async Task Same_idempotency_key_in_a_later_transaction_is_a_no_op_and_the_business_data_commits()
    {
        EnqueuedEmail first;
        await using (var db = Shop.CreateDbContext())
        {
            db.Orders.Add(new Order { Number = "B-1" });
            first = db.Emails().Enqueue(Order("B-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-B-1" });
            await db.SaveChangesAsync();
        }

        EnqueuedEmail again;
        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Number = "B-1 retry" });
            again = db.Emails().Enqueue(Order("B-1"), to: "other@example.com", new EnqueueOptions { IdempotencyKey = "order-B-1" });
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            Assert.Empty(db.ChangeTracker.Entries<OutboxMessage>());
            Assert.Empty(db.ChangeTracker.Entries<OutboxRecipient>());
        }

        Assert.Equal(first, again);
        await using var check = Shop.CreateDbContext();
        Assert.Equal(2, await check.Orders.CountAsync());
        var row = await check.Set<OutboxMessage>().Include(m => m.Recipients).SingleAsync();
        Assert.Equal("ada@example.com", Assert.Single(row.Recipients).Address);
    }

    [Fact]
    public async Task Same_idempotency_key_in_concurrent_transactions_writes_one_message_and_both_commit()
    {
        await using var db1 = Shop.CreateDbContext();
        await using var tx1 = await db1.Database.BeginTransactionAsync();
        db1.Orders.Add(new Order { Number = "C-1" });
        db1.Emails().Enqueue(Order("C-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-C-1" });
        await db1.SaveChangesAsync();

        // The second transaction waits for the first (PostgreSQL: the key's advisory lock; SQLite: the write lock).
        var second = Task.Run(async () =>
        {
            await using var db2 = Shop.CreateDbContext();
            await using var tx2 = await db2.Database.BeginTransactionAsync();
            db2.Orders.Add(new Order { Number = "C-2" });
            db2.Emails().Enqueue(Order("C-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-C-1" });
            await db2.SaveChangesAsync();
            await tx2.CommitAsync();
        });
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        await tx1.CommitAsync();
        await second.WaitAsync(TimeSpan.FromSeconds(30));

        await using var check = Shop.CreateDbContext();
        Assert.Equal(2, await check.Orders.CountAsync());
        Assert.Equal(1, await check.Set<OutboxMessage>().CountAsync());
        Assert.Equal(1, await check.Set<OutboxRecipient>().CountAsync());
    }

    [Fact]
    public async Task Idempotency_key_of_a_rolled_back_transaction_can_be_enqueued_again()
    {
        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(Order("D-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-D-1" });
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
        }

        await using (var db = Shop.CreateDbContext())
        {
            db.Emails().Enqueue(Order("D-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "order-D-1" });
            await db.SaveChangesAsync();
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal("order-D-1", (await check.Set<OutboxMessage>().SingleAsync()).IdempotencyKey);
    }

    [Fact]
    public async Task Identical_attachment_content_is_stored_once_across_messages_and_transactions()
    {
        var pdf = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("%PDF-1.7 invoice ", 500)));
        var other = Encoding.ASCII.GetBytes("terms and conditions");
        await using (var db = Shop.CreateDbContext())
        {
            for (var i = 0; i < 3; i++)
            {
                db.Emails().Enqueue(Order("E-" + i), to: $"c{i}@example.com", new EnqueueOptions
                {
                    Attachments = [new EmailAttachment("invoice.pdf", "application/pdf", pdf), new EmailAttachment("terms.txt", "text/plain", other)],
                });
            }

            await db.SaveChangesAsync();
        }

        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(Order("E-9"), to: "c9@example.com", new EnqueueOptions { Attachments = [new EmailAttachment("copy.pdf", "application/pdf", pdf)] });
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }

        await using (var check = Shop.CreateDbContext())
        {
            Assert.Equal(2, await check.Set<OutboxBlob>().CountAsync());
            Assert.Equal(7, await check.Set<OutboxAttachment>().CountAsync());
            var blob = await check.Set<OutboxBlob>().SingleAsync(b => b.Length == pdf.Length);
            Assert.Equal(pdf, blob.Content);
        }

        var transport = new ScriptedTransport();
        Assert.Equal(4, (await new OutboxDispatcher<ShopContext>(Shop, transport).DispatchDueAsync()).Sent);
        var sent = transport.Sent.Single(e => e.Recipients[0].Address == "c1@example.com").Message;
        Assert.Equal(["invoice.pdf", "terms.txt"], sent.Attachments.Select(a => a.FileName));
        Assert.Equal(pdf, sent.Attachments[0].Content.ToArray());
        Assert.Equal("application/pdf", sent.Attachments[0].ContentType);
    }

    [Fact]
    public async Task A_failed_save_writes_no_mail_and_tracks_it_again_so_the_retry_writes_it_once()
    {
        await using (var seed = Shop.CreateDbContext())
        {
            seed.Orders.Add(new Order { Id = 1, Number = "S-1" });
            await seed.SaveChangesAsync();
        }

        await using var db = Shop.CreateDbContext();
        var clash = new Order { Id = 1, Number = "S-2" };
        db.Orders.Add(clash);
        var enqueued = db.Emails().Enqueue(Order("S-2"), to: "ada@example.com", new EnqueueOptions { Cc = ["bob@example.com"] });
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        await using (var check = Shop.CreateDbContext())
        {
            Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
            Assert.Equal(0, await check.Set<OutboxRecipient>().CountAsync());
        }

        var entry = Assert.Single(db.ChangeTracker.Entries<OutboxMessage>());
        Assert.Equal(EntityState.Added, entry.State);
        Assert.Equal(2, db.ChangeTracker.Entries<OutboxRecipient>().Count(r => r.State == EntityState.Added));

        db.Entry(clash).State = EntityState.Detached;
        db.Orders.Add(new Order { Id = 2, Number = "S-2" });
        Assert.Equal(4, await db.SaveChangesAsync());

        await using var after = Shop.CreateDbContext();
        var row = await after.Set<OutboxMessage>().Include(m => m.Recipients).SingleAsync();
        Assert.Equal(enqueued.Id, row.Id);
        Assert.Equal(["ada@example.com", "bob@example.com"], row.Recipients.OrderBy(r => r.Id).Select(r => r.Address));
    }

    [Fact]
    public async Task A_failed_save_inside_the_callers_transaction_leaves_no_mail_in_it_even_if_the_caller_commits()
    {
        await using (var seed = Shop.CreateDbContext())
        {
            seed.Orders.Add(new Order { Id = 1, Number = "T-1" });
            await seed.SaveChangesAsync();
        }

        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = 1, Number = "T-2" });
            db.Emails().Enqueue(Order("T-2"), to: "ada@example.com");
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            await tx.CommitAsync();
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
        Assert.Equal(0, await check.Set<OutboxRecipient>().CountAsync());
        Assert.Equal(["T-1"], await check.Orders.Select(o => o.Number).ToListAsync());
    }

    [Fact]
    public async Task Mail_and_business_data_in_one_save_commit_together_and_the_count_includes_the_outbox_rows()
    {
        await using (var db = Shop.CreateDbContext())
        {
            db.Orders.Add(new Order { Number = "U-1" });
            db.Emails().Enqueue(Order("U-1"), to: "ada@example.com");
            db.Emails().Enqueue(Order("U-1"), to: "bob@example.com", new EnqueueOptions { Bcc = ["audit@example.com"] });
            Assert.Equal(6, await db.SaveChangesAsync());
            Assert.All(db.ChangeTracker.Entries<OutboxMessage>(), e => Assert.Equal(EntityState.Unchanged, e.State));
            Assert.Empty(db.ChangeTracker.Entries<OutboxRecipient>());
            Assert.Equal(0, await db.SaveChangesAsync());
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Orders.CountAsync());
        Assert.Equal(2, await check.Set<OutboxMessage>().CountAsync());
        Assert.Equal(3, await check.Set<OutboxRecipient>().CountAsync());
    }

    [Fact]
    public async Task A_save_of_many_messages_writes_every_column_of_each_and_skips_a_stored_key_with_its_recipients()
    {
        await using (var db = Shop.CreateDbContext())
        {
            db.Emails().Enqueue(Order("M-0"), to: "first@example.com", new EnqueueOptions { IdempotencyKey = "order-M-0" });
            await db.SaveChangesAsync();
        }

        var notBefore = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
        List<EnqueuedEmail> enqueued = [];
        await using (var db = Shop.CreateDbContext())
        {
            db.Orders.Add(new Order { Number = "M" });
            for (var i = 1; i <= 150; i++)
            {
                // Every other message carries the optional columns and a second and third recipient; the rest leave them empty.
                var full = i % 2 == 0;
                enqueued.Add(db.Emails().Enqueue(Order("M-" + i), to: $"to{i}@example.com", full
                    ? new EnqueueOptions
                    {
                        IdempotencyKey = "order-M-" + i,
                        ReplyTo = "desk@example.com",
                        Cc = [$"cc{i}@example.com"],
                        Bcc = [$"bcc{i}@example.com"],
                        Priority = i,
                        NotBefore = notBefore,
                        Transport = "bulk",
                        Tags = ["orders"],
                        Metadata = new Dictionary<string, string> { ["order"] = "M-" + i },
                    }
                    : null));
            }

            // Already stored: skipped, and so are the recipients given with it now.
            db.Emails().Enqueue(Order("M-0"), to: "again@example.com", new EnqueueOptions { IdempotencyKey = "order-M-0", Cc = ["again-cc@example.com"] });
            Assert.Equal(1 + 150 + 75 + 75 + 150, await db.SaveChangesAsync());
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Orders.CountAsync());
        var rows = await check.Set<OutboxMessage>().Include(m => m.Recipients).ToDictionaryAsync(m => m.Id);
        Assert.Equal(151, rows.Count);
        Assert.Equal(["first@example.com"], rows.Values.Single(m => m.IdempotencyKey == "order-M-0").Recipients.Select(r => r.Address));
        for (var i = 1; i <= 150; i++)
        {
            var row = rows[enqueued[i - 1].Id];
            var full = i % 2 == 0;
            Assert.Equal(enqueued[i - 1].MessageId, row.MessageId);
            Assert.Equal(full ? "order-M-" + i : null, row.IdempotencyKey);
            Assert.Equal(OutboxMessageState.Queued, row.State);
            Assert.Contains("M-" + i, row.Subject, StringComparison.Ordinal);
            Assert.Contains("M-" + i, row.HtmlBody, StringComparison.Ordinal);
            Assert.Equal(full ? "desk@example.com" : null, row.ReplyTo);
            Assert.Equal(full ? i : 0, row.Priority);
            Assert.Equal(full ? "bulk" : null, row.Transport);
            Assert.Equal(full ? "orders" : null, row.Tags);
            Assert.Equal(full ? $"{{\"order\":\"M-{i}\"}}" : null, row.Metadata);
            Assert.Equal(DateTimeKind.Utc, row.DueAt.Kind);
            Assert.Equal(full ? notBefore.UtcDateTime : row.CreatedAt, row.DueAt);
            Assert.Null(row.SentAt);
            Assert.Equal(0, row.AttemptCount);
            var recipients = row.Recipients.OrderBy(r => r.Kind).Select(r => (r.Kind, r.Address, r.State, r.ReplyCode)).ToList();
            List<(RecipientKind, string, RecipientState, int?)> expected = [(RecipientKind.To, $"to{i}@example.com", RecipientState.Pending, null)];
            if (full)
            {
                expected.Add((RecipientKind.Cc, $"cc{i}@example.com", RecipientState.Pending, null));
                expected.Add((RecipientKind.Bcc, $"bcc{i}@example.com", RecipientState.Pending, null));
            }

            Assert.Equal(expected, recipients);
        }
    }

    // Few messages and recipients are written from VALUES lists on PostgreSQL, more from arrays: both sides of each bound.
    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(1, 1, true)]
    [InlineData(4, 4, true)]
    [InlineData(2, 10, true)]
    [InlineData(5, 1, false)]
    [InlineData(5, 1, true)]
    public async Task A_save_skips_stored_keys_keeps_every_recipient_and_writes_nothing_when_rolled_back(int messages, int recipientsEach, bool keyed)
    {
        await using (var db = Shop.CreateDbContext())
        {
            db.Emails().Enqueue(Order("K-0"), to: "stored@example.com", new EnqueueOptions { IdempotencyKey = "order-K-0" });
            await db.SaveChangesAsync();
        }

        List<EnqueuedEmail> Enqueue(ShopContext db)
        {
            db.Orders.Add(new Order { Number = "K" });
            return Enumerable.Range(0, messages).Select(i => db.Emails().Enqueue(Order("K-" + i), to: $"to{i}@example.com", new EnqueueOptions
            {
                // With keys, the first message's is stored already: it is skipped with its recipients.
                IdempotencyKey = keyed ? "order-K-" + i : null,
                Cc = [.. Enumerable.Range(1, recipientsEach - 1).Select(r => $"cc{i}-{r}@example.com")],
            })).ToList();
        }

        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            Enqueue(db);
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
        }

        List<EnqueuedEmail> enqueued;
        await using (var db = Shop.CreateDbContext())
        {
            enqueued = Enqueue(db);
            var written = keyed ? messages - 1 : messages;
            Assert.Equal(1 + (written * (1 + recipientsEach)), await db.SaveChangesAsync());
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Orders.CountAsync());
        var rows = await check.Set<OutboxMessage>().Include(m => m.Recipients).ToDictionaryAsync(m => m.Id);
        Assert.Equal(["stored@example.com"], rows.Values.Single(m => m.IdempotencyKey == "order-K-0").Recipients.Select(r => r.Address));
        Assert.Equal(keyed ? messages : messages + 1, rows.Count);
        for (var i = keyed ? 1 : 0; i < messages; i++)
        {
            var row = rows[enqueued[i].Id];
            Assert.Equal(keyed ? "order-K-" + i : null, row.IdempotencyKey);
            Assert.Contains("K-" + i, row.Subject, StringComparison.Ordinal);
            Assert.Equal(
                [$"to{i}@example.com", .. Enumerable.Range(1, recipientsEach - 1).Select(r => $"cc{i}-{r}@example.com")],
                row.Recipients.OrderBy(r => r.Kind).ThenBy(r => r.Address, StringComparer.Ordinal).Select(r => r.Address));
        }
    }

    [Fact]
    public async Task Attachments_over_the_size_limit_fail_at_enqueue_naming_the_file_and_nothing_is_tracked()
    {
        await using var db = Shop.CreateDbContext(o => o.MaxAttachmentBytes = 1000);
        var ex = Assert.Throws<ArgumentException>(() => db.Emails().Enqueue(Order("F-1"), to: "ada@example.com", new EnqueueOptions
        {
            Attachments = [new EmailAttachment("a.bin", "application/octet-stream", new byte[600]), new EmailAttachment("big.bin", "application/octet-stream", new byte[600])],
        }));
        Assert.Contains("'big.bin'", ex.Message);
        Assert.Contains("1,200", ex.Message);
        Assert.Contains("MaxAttachmentBytes", ex.Message);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public async Task Recipients_are_de_duplicated_case_insensitively_first_occurrence_wins()
    {
        await using (var db = Shop.CreateDbContext())
        {
            db.Emails().Enqueue(Order("G-1"), to: "Ada <ADA@Example.com>", new EnqueueOptions
            {
                AlsoTo = ["ada@example.com", "bob@example.com"],
                Cc = ["Bob B <bob@EXAMPLE.com>", "cy@example.com"],
                Bcc = ["ada@example.com", "cy@example.com", "di@example.com"],
            });
            await db.SaveChangesAsync();
        }

        await using var check = Shop.CreateDbContext();
        var recipients = await check.Set<OutboxRecipient>().OrderBy(r => r.Id).Select(r => new { r.Kind, r.Address }).ToListAsync();
        Assert.Equal(
            [(RecipientKind.To, "Ada <ADA@Example.com>"), (RecipientKind.To, "bob@example.com"), (RecipientKind.Cc, "cy@example.com"), (RecipientKind.Bcc, "di@example.com")],
            recipients.Select(r => (r.Kind, r.Address)));
    }

    [Theory]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task Invalid_idempotency_key_is_rejected_naming_the_option(string? key)
    {
        key ??= new string('k', EnqueueOptions.MaxIdempotencyKeyLength + 1);
        await using var db = Shop.CreateDbContext();
        var ex = Assert.Throws<ArgumentException>(() => db.Emails().Enqueue(Order("H-1"), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = key }));
        Assert.Contains("EnqueueOptions.IdempotencyKey", ex.Message);
        Assert.Contains(key, ex.Message);
        Assert.Empty(db.ChangeTracker.Entries());
    }
}
