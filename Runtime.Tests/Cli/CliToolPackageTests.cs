using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Cli;

/// <summary>The tool as an operator gets it: packed, installed with <c>dotnet tool install</c> from a folder feed, run as <c>typedmail</c>.</summary>
[Collection(DotNetBuildCollection.Name)]
public sealed class CliToolPackageTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "typedmail-tool-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteShop _shop = new();

    public void Dispose()
    {
        _shop.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Packed_tool_installs_and_runs_as_typedmail()
    {
        var feed = Path.Combine(_work, "feed");
        var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        // Packs the build these tests were built with (the test project references the tool), without compiling again.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var (packExit, packOutput) = DotNet.Run(RepoPaths.Root, "pack", "tools/TypedMail.Cli/TypedMail.Cli.csproj", "--no-build", "-c", configuration, "-o", feed, "-p:PackageVersion=" + version);
        Assert.True(packExit == 0, packOutput);
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"TypedMail.Cli.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
            Assert.Contains("tools/net10.0/any/TypedMail.dll", entries);
        }

        Directory.CreateDirectory(_work);
        var config = Path.Combine(_work, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(_work, "tools");
        var (installExit, installOutput) = DotNet.Run(_work, "tool", "install", "TypedMail.Cli", "--version", version, "--tool-path", tools, "--configfile", config);
        Assert.True(installExit == 0, installOutput);

        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "T-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        var typedmail = Path.Combine(tools, "typedmail");
        var help = Run(typedmail, "--help");
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("typedmail: inspect and operate a TypedMail outbox", help.Output);

        var status = Run(typedmail, "status");
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Matches(@"queued\W+1\W", status.Output);

        var dispatch = Run(typedmail, "dispatch", "--pickup", _shop.PickupFolder);
        Assert.True(dispatch.ExitCode == 0, dispatch.Output);
        Assert.Contains("Dispatched 1: 1 sent, 0 deferred, 0 failed.", dispatch.Output);
        Assert.Single(Directory.GetFiles(_shop.PickupFolder, "*.eml"));

        var usage = Run(typedmail, "status", "--provider", "oracle");
        Assert.Equal(2, usage.ExitCode);
    }

    private (int ExitCode, string Output) Run(string executable, params string[] args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TYPEDMAIL_CONNECTION"] = _shop.ConnectionString;
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"typedmail {string.Join(' ', args)} did not finish in a minute.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
