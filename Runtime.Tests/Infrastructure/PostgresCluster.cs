using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Npgsql;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL 15 cluster for this test run: initdb into a temporary folder owned by postgres, then pg_ctl on a
/// free port, its own socket folder, 127.0.0.1 only, trust authentication. Stopped and deleted on dispose. Fails loudly
/// when the binaries are missing. Shared by every class in the "PostgreSQL" collection; each test gets its own database.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private int _databases;

    public PostgresCluster()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")) || !File.Exists(Path.Combine(BinDirectory, "pg_ctl")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed: {BinDirectory}/initdb and pg_ctl are missing. Install it with `apt-get install -y postgresql` (see .ci/run).");
        }

        Root = Path.Combine(Path.GetTempPath(), "typedmail-pg-" + Guid.NewGuid().ToString("N")[..12]);
        DataDirectory = Path.Combine(Root, "data");
        SocketDirectory = Path.Combine(Root, "sock");
        Directory.CreateDirectory(SocketDirectory);
        Run("chown", "-R", "postgres:postgres", Root);
        RunAsPostgres(Path.Combine(BinDirectory, "initdb"), "-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C");
        Port = FreePort.Next();
        Start();
    }

    public string Root { get; }

    public string DataDirectory { get; }

    public string SocketDirectory { get; }

    public int Port { get; }

    public string ConnectionString(string database)
        => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=60";

    /// <summary>Creates an empty database and returns its name.</summary>
    public string CreateDatabase()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        // Not pooled: a pooled maintenance connection would not survive Restart().
        using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return name;
    }

    /// <summary>Restarts the server (fast shutdown: every connection is dropped), for recovery tests.</summary>
    /// <summary>Stops the server as an administrator's restart does (<c>-m fast</c>); <see cref="Start"/> brings it back.</summary>
    public void Stop() => RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), "-D", DataDirectory, "-m", "fast", "-w", "stop");

    public void Dispose()
    {
        try
        {
            RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(Root, recursive: true);
        }
    }

    public void Start()
        => RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), "-D", DataDirectory, "-l", Path.Combine(Root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {SocketDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start");

    private static void RunAsPostgres(params string[] command) => Run("runuser", ["-u", "postgres", "--", .. command]);

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', arguments)}` exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }
    }
}
