using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>Runs recording_smtpd.py (aiosmtpd) on a free loopback port; fails loudly when aiosmtpd is missing.</summary>
public sealed class RecordingSmtpServer : IDisposable
{
    private readonly Process _process;

    public RecordingSmtpServer(string folder, double stallSeconds = 5)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            throw new InvalidOperationException("/usr/bin/python3 is missing; install python3-aiosmtpd (see .ci/run).");
        }

        Port = PostgresCluster.FreePort();
        RecordPath = Path.Combine(folder, $"smtp-{Port}.record");
        var script = Path.Combine(RepoPaths.Root, "Runtime.Tests", "Infrastructure", "recording_smtpd.py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--port", Port.ToString(), "--record", RecordPath, "--stall", stallSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start aiosmtpd.");
        var line = _process.StandardOutput.ReadLine();
        if (line != "ready")
        {
            var error = _process.StandardError.ReadToEnd();
            throw new InvalidOperationException($"aiosmtpd did not start (is python3-aiosmtpd installed? see .ci/run): {line} {error}");
        }
    }

    public int Port { get; }

    public string RecordPath { get; }

    /// <summary>Message-ID → recipients, one entry per accepted delivery.</summary>
    public IReadOnlyList<(string MessageId, string[] Recipients)> Accepted()
        => File.Exists(RecordPath)
            ? File.ReadAllLines(RecordPath).Where(l => l.Length > 0).Select(l => l.Split(' ')).Select(p => (p[0], p[1].Split(','))).ToList()
            : [];

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
