using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TypedMail.AspNetCore.Tests.Infrastructure;

/// <summary>Runs a built sample app (<c>samples/{Name}/bin/{Configuration}/net10.0/{Name}.dll</c>) as its own process, capturing its output.</summary>
public sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SampleProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static string BinFolder(string sample)
    {
        // This test assembly lives in <project>/bin/<Configuration>/net10.0/: the sample was built with the same configuration.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "TypedMail.sln")))
        {
            root = root.Parent;
        }

        return Path.Combine(root!.FullName, "samples", sample, "bin", configuration, "net10.0");
    }

    public static SampleProcess Start(string sample, IEnumerable<string> arguments)
    {
        var bin = BinFolder(sample);
        var dll = Path.Combine(bin, sample + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The sample is not built: {dll} is missing.");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = bin };
        start.ArgumentList.Add(dll);
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        return new SampleProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started."));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
