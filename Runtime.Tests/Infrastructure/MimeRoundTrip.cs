using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>What the independent checker said about one message.</summary>
public sealed record RoundTripResult(string File, bool Ok, IReadOnlyList<string> Problems, string Structure)
{
    public override string ToString() => $"{File}: {(Ok ? "ok" : "FAIL")} {Structure}" + string.Concat(Problems.Select(p => "\n    " + p));
}

/// <summary>
/// A folder of .eml files, each with a JSON manifest of what went into it, checked in one Python run by
/// Infrastructure/mime_roundtrip.py: mime_check.py (zero defects on every part, strict) and a field-by-field
/// round trip through Python's standard email package.
/// </summary>
public sealed class MimeRoundTrip : IDisposable
{
    private int _count;

    public MimeRoundTrip(string? folder = null)
    {
        Folder = folder ?? Path.Combine(Path.GetTempPath(), "typedmail-tests", "mime-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public static string ScriptPath => Path.Combine(RepoPaths.Root, "Runtime.Tests", "Infrastructure", "mime_roundtrip.py");

    /// <summary>Writes the message and its manifest; returns the file name.</summary>
    public async Task<string> AddAsync(EmailMessage message, string? expectedStructure = null)
    {
        var name = $"{++_count:D6}";
        await using (var file = File.Create(Path.Combine(Folder, name + ".eml")))
        {
            await message.WriteToAsync(file);
        }

        WriteManifest(Path.Combine(Folder, name + ".json"), message, expectedStructure);
        return name + ".eml";
    }

    /// <summary>Writes the manifest of <paramref name="message"/> next to an .eml that something else wrote (a server).</summary>
    public static void WriteManifest(string path, EmailMessage message, string? expectedStructure = null)
    {
        var manifest = new Dictionary<string, object?>
        {
            ["from"] = Mailbox(message.From),
            ["reply_to"] = message.ReplyTo is null ? null : Mailbox(message.ReplyTo),
            ["to"] = message.To.Select(Mailbox).ToList(),
            ["cc"] = message.Cc.Select(Mailbox).ToList(),
            ["subject"] = message.Subject,
            ["message_id"] = message.MessageId,
            ["date"] = message.Date.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            ["headers"] = message.Headers.Select(h => new[] { h.Key, h.Value }).ToList(),
            ["text"] = message.TextBody,
            ["html"] = message.HtmlBody,
            ["attachments"] = message.Attachments.Select(a => new Dictionary<string, object?>
            {
                ["filename"] = a.FileName,
                ["content_type"] = a.ContentType.Split(';')[0].Trim().ToLowerInvariant(),
                ["content_id"] = a.ContentId,
                ["disposition"] = a.IsInline ? "inline" : "attachment",
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(a.Content.Span)),
                ["length"] = a.Content.Length,
            }).ToList(),
        };
        if (expectedStructure is not null)
        {
            manifest["structure"] = expectedStructure;
        }

        File.WriteAllText(path, JsonSerializer.Serialize(manifest));
    }

    /// <summary>Runs the checker once over the folder.</summary>
    public IReadOnlyList<RoundTripResult> Check(bool allow8BitHeaders = false) => Check(Folder, allow8BitHeaders);

    public static IReadOnlyList<RoundTripResult> Check(string folder, bool allow8BitHeaders = false)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ScriptPath);
        start.ArgumentList.Add(Path.GetDirectoryName(MimeCheck.ScriptPath)!);
        start.ArgumentList.Add(folder);
        if (allow8BitHeaders)
        {
            start.ArgumentList.Add("--allow-8bit-headers");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"mime_roundtrip.py failed with exit code {process.ExitCode}: {stderr.Result}");
        }

        using var json = JsonDocument.Parse(stdout.Result);
        var results = new List<RoundTripResult>();
        foreach (var file in json.RootElement.EnumerateObject())
        {
            results.Add(new RoundTripResult(
                file.Name,
                file.Value.GetProperty("ok").GetBoolean(),
                file.Value.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList(),
                file.Value.GetProperty("structure").GetString()!));
        }

        return results;
    }

    /// <summary>Fails with every problem listed unless all files passed; returns the results.</summary>
    public IReadOnlyList<RoundTripResult> AssertAllPass(int expectedCount, bool allow8BitHeaders = false)
    {
        var results = Check(allow8BitHeaders);
        Assert.Equal(expectedCount, results.Count);
        var failures = results.Where(r => !r.Ok).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {results.Count} messages failed the independent check:\n" + string.Join("\n", failures.Take(20)));
        return results;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Dictionary<string, string?> Mailbox(EmailAddress a)
        => new() { ["name"] = a.DisplayName, ["address"] = a.LocalPart + "@" + a.AsciiDomain };
}
