using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshots of generated code, kept readable in <c>Snapshots/{Class}.{Test}.{HintName}.verified.txt</c> (line endings
/// normalized, the generator version replaced by <c>{version}</c>). <see cref="Expect"/> makes every snapshot of the
/// calling test an expected generated source of a <see cref="GeneratorTest"/>, which then fails on any other or
/// missing source. <c>TYPEDMAIL_ACCEPT_SNAPSHOTS=1</c> first rewrites the test's snapshots from what the generator
/// produces now: review the diff before committing it.
/// </summary>
public static partial class Snapshot
{
    private static readonly string Version = typeof(EmailGenerator).Assembly.GetName().Version!.ToString();

    public static void Expect(GeneratorTest test, [CallerFilePath] string callerFile = "", [CallerMemberName] string testName = "")
    {
        // Not Path.GetDirectoryName(callerFile): CI builds map source paths to /_/ (deterministic builds).
        var folder = Path.Combine(RepoPaths.Root, "Generator.Tests", "Snapshots");
        var prefix = $"{Path.GetFileNameWithoutExtension(callerFile)}.{testName}.";
        if (Environment.GetEnvironmentVariable("TYPEDMAIL_ACCEPT_SNAPSHOTS") == "1")
        {
            Accept(test, folder, prefix);
        }

        var files = Directory.GetFiles(folder, prefix + "*.verified.txt").Order(StringComparer.Ordinal).ToList();
        Xunit.Assert.True(files.Count > 0, $"No snapshot {prefix}*.verified.txt in {folder}: run the test with TYPEDMAIL_ACCEPT_SNAPSHOTS=1 and review it.");
        foreach (var file in files)
        {
            var hintName = Path.GetFileName(file)[prefix.Length..^".verified.txt".Length];
            var text = File.ReadAllText(file).Replace("\r\n", "\n").Replace("\"TypedMail.Generator\", \"{version}\"", $"\"TypedMail.Generator\", \"{Version}\"");
            test.TestState.GeneratedSources.Add((typeof(EmailGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        }
    }

    /// <summary>Runs the generator over the test's sources and templates and writes what it produces as the snapshots.</summary>
    private static void Accept(GeneratorTest test, string folder, string prefix)
    {
        foreach (var old in Directory.GetFiles(folder, prefix + "*.verified.txt"))
        {
            File.Delete(old);
        }

        var result = GeneratorHarness.Run(
            test.TestState.Sources.Single().content.ToString(),
            test.TestState.AdditionalFiles.Select(f => (f.filename, f.content.ToString())).ToArray());
        foreach (var (hintName, source) in result.Sources)
        {
            File.WriteAllText(Path.Combine(folder, prefix + hintName + ".verified.txt"), VersionPattern().Replace(source.Replace("\r\n", "\n"), "\"TypedMail.Generator\", \"{version}\""));
        }
    }

    [GeneratedRegex("\"TypedMail\\.Generator\", \"[0-9.]+\"")]
    private static partial Regex VersionPattern();
}
