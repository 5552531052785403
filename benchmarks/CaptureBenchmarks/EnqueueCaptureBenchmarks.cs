using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using TypedMail.CaptureBenchmarks.Emails;
using TypedMail.Outbox;
using TypedMail.Testing;

namespace TypedMail.CaptureBenchmarks;

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>
/// What the test helpers' capture hook costs the generated <c>Enqueue</c>: 100 enqueues into a fresh context's change
/// tracker (no database round trip), against the same rendering and <c>EnqueueRendered</c> call without the hook, the
/// generated code before the hook existed (the baseline).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class EnqueueCaptureBenchmarks
{
    private const int Emails = 100;
    private static readonly OrderConfirmationEmail Email = new("Ada Lovelace", "A-1001", 42.50m);
    private DbContextOptions<ShopContext> _options = null!;
    private MailCapture? _elsewhere;

    [GlobalSetup]
    public void Setup()
    {
        _options = new DbContextOptionsBuilder<ShopContext>()
            .UseSqlite("Data Source=:memory:")
            .UseTypedMail(o => o.DefaultFrom = "Acme Shop <shop@example.com>")
            .Options;
        using var db = new ShopContext(_options);
        _ = db.Model;
    }

    [GlobalSetup(Target = nameof(Enqueue_while_a_test_elsewhere_captures))]
    public void SetupElsewhere()
    {
        Setup();
        // A capture in another flow, as a test running in parallel has: the hook is on, this flow has no scope.
        _elsewhere = Task.Run(MailCapture.Start).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _elsewhere?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Emails, Description = "EnqueueRendered, no hook (the peer)")]
    public int EnqueueRendered_without_the_hook()
    {
        using var db = new ShopContext(_options);
        var outbox = db.Emails();
        var n = 0;
        for (var i = 0; i < Emails; i++)
        {
            n += outbox.EnqueueRendered("TypedMail.CaptureBenchmarks.Emails.OrderConfirmationEmail", Email.Render(outbox.ChooseCulture(null)), "ada@example.com", null).MessageId.Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = Emails, Description = "Enqueue, no test listening")]
    public int Enqueue_with_no_test_listening() => EnqueueAll();

    [Benchmark(OperationsPerInvoke = Emails, Description = "Enqueue, a test elsewhere captures")]
    public int Enqueue_while_a_test_elsewhere_captures() => EnqueueAll();

    [Benchmark(OperationsPerInvoke = Emails, Description = "Enqueue, captured by this flow's test")]
    public int Enqueue_captured()
    {
        using var mail = MailCapture.Start();
        return EnqueueAll();
    }

    private int EnqueueAll()
    {
        using var db = new ShopContext(_options);
        var outbox = db.Emails();
        var n = 0;
        for (var i = 0; i < Emails; i++)
        {
            n += outbox.Enqueue(Email, to: "ada@example.com").MessageId.Length;
        }

        return n;
    }
}
