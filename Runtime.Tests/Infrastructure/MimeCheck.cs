using System;
using System.Diagnostics;
using System.IO;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>Runs the independent RFC 5322/MIME checker (shared/tools/mime_check.py, Python's standard library) on files.</summary>
public static class MimeCheck
{
    public static string ScriptPath
    {
        get
        {
            var path = Path.Combine(RepoPaths.Root, "..", "shared", "tools", "mime_check.py");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"The MIME checker is missing at {Path.GetFullPath(path)}: clone the repository beside shared/.");
            }

            return Path.GetFullPath(path);
        }
    }

    /// <summary>Checks files or folders; returns the checker's exit code and output.</summary>
    public static (int ExitCode, string Output) Run(params string[] paths)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ScriptPath);
        start.ArgumentList.Add("--strict");
        foreach (var p in paths)
        {
            start.ArgumentList.Add(p);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

public static class RepoPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TypedMail.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("TypedMail.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
