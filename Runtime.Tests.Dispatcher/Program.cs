using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Smtp;

namespace TypedMail.Runtime.Tests.Dispatcher;

/// <summary>The outbox tables only: the process needs nothing else of the application's model.</summary>
public sealed class HostContext(DbContextOptions<HostContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>PostgreSQL, or SQLite when the connection string names a file (<c>Data Source=...</c>).</summary>
public sealed class HostContextFactory(string connectionString) : IDbContextFactory<HostContext>
{
    public bool IsSqlite { get; } = connectionString.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase);

    public HostContext CreateDbContext()
    {
        var builder = new DbContextOptionsBuilder<HostContext>();
        if (IsSqlite)
        {
            builder.UseSqlite(connectionString);
        }
        else
        {
            builder.UseNpgsql(connectionString);
        }

        return new(builder.UseTypedMail(_ => { }).Options);
    }
}

/// <summary>
/// Usage: TypedMail.Runtime.Tests.Dispatcher CONNECTION_STRING SMTP_PORT DISPATCHER_ID LEASE_SECONDS BATCH_SIZE.
/// Dispatches until SIGTERM, then stops gracefully; prints "started" once running.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: CONNECTION_STRING SMTP_PORT DISPATCHER_ID LEASE_SECONDS BATCH_SIZE");
            return 2;
        }

        var lease = TimeSpan.FromSeconds(double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        var options = new DispatcherOptions
        {
            DispatcherId = args[2],
            BatchSize = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture),
            LeaseDuration = lease,
            SendTimeout = lease / 2,
            PollInterval = TimeSpan.FromMilliseconds(500),
            RetryBaseDelay = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromSeconds(1),
            MaxAttempts = 50,
        };
        var contexts = new HostContextFactory(args[0]);
        options.ListenForNotifications = !contexts.IsSqlite;

        await using var transport = new SmtpTransport(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            TlsMode = SmtpTlsMode.None,
            ConnectTimeout = lease / 4,
            CommandTimeout = lease / 4,
        });
        var dispatcher = new OutboxDispatcher<HostContext>(contexts, transport, options);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Console.WriteLine("started");
        await dispatcher.RunAsync(stop.Token);
        return 0;
    }
}
