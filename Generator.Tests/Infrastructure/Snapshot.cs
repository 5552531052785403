using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>
/// A small snapshot helper: compares text with <c>Snapshots/{Class}.{Test}.{Name}.verified.txt</c>. On a mismatch it
/// writes <c>.received.txt</c> beside it and fails; <c>TYPEDMAIL_ACCEPT_SNAPSHOTS=1</c> accepts new output instead.
/// Line endings are normalized and the generator version is replaced with a placeholder.
/// </summary>
public static partial class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "")
    {
        var className = Path.GetFileNameWithoutExtension(callerFile);
        // Not Path.GetDirectoryName(callerFile): CI builds map source paths to /_/ (deterministic builds).
        var folder = Path.Combine(RepoPaths.Root, "Generator.Tests", "Snapshots");
        var baseName = $"{className}.{test}.{name}";
        var verified = Path.Combine(folder, baseName + ".verified.txt");
        var received = Path.Combine(folder, baseName + ".received.txt");
        var normalized = Normalize(actual);

        if (Environment.GetEnvironmentVariable("TYPEDMAIL_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }

        if (!File.Exists(verified))
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(received, normalized);
            throw new Xunit.Sdk.XunitException($"No snapshot {verified}. Review {received} and run with TYPEDMAIL_ACCEPT_SNAPSHOTS=1 to accept it.");
        }

        var expected = Normalize(File.ReadAllText(verified));
        if (!string.Equals(expected, normalized, StringComparison.Ordinal))
        {
            File.WriteAllText(received, normalized);
            Xunit.Assert.Equal(expected, normalized);
        }

        File.Delete(received);
    }

    private static string Normalize(string text)
        => VersionPattern().Replace(text.Replace("\r\n", "\n").TrimStart('\uFEFF'), "\"TypedMail.Generator\", \"{version}\"");

    [GeneratedRegex("\"TypedMail\\.Generator\", \"[0-9.]+\"")]
    private static partial Regex VersionPattern();
}
