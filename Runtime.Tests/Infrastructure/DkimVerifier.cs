using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>A DKIM key pair made for a test: the private key as PEM, and the DNS TXT record that publishes the public key.</summary>
public sealed record DkimTestKey(string Domain, string Selector, DkimAlgorithm Algorithm, string PrivateKeyPem, string TxtRecord)
{
    public string DnsName => $"{Selector}._domainkey.{new System.Globalization.IdnMapping().GetAscii(Domain)}";

    public DkimKey ToOptions() => new() { Domain = Domain, Selector = Selector, Algorithm = Algorithm, PrivateKey = PrivateKeyPem };

    public static DkimTestKey Create(string domain, string selector, DkimAlgorithm algorithm)
    {
        if (algorithm == DkimAlgorithm.RsaSha256)
        {
            using var rsa = RSA.Create(2048);
            return new(domain, selector, algorithm, rsa.ExportPkcs8PrivateKeyPem(), "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        }

        // .NET has no Ed25519; BouncyCastle (MimeKit's dependency) makes the pair. RFC 8463: p= is the raw 32-byte key.
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded();
        var pem = new string(PemEncoding.Write("PRIVATE KEY", pkcs8));
        return new(domain, selector, algorithm, pem, "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded()));
    }
}

/// <summary>
/// Runs the independent DKIM verifier (Infrastructure/dkim_verify.py, Debian's python3-dkim under /usr/bin/python3)
/// on files, with the test's TXT records in place of DNS.
/// </summary>
public static class DkimVerifier
{
    public const string Python = "/usr/bin/python3";

    public static string ScriptPath => Path.Combine(RepoPaths.Root, "Runtime.Tests", "Infrastructure", "dkim_verify.py");

    /// <summary>Whether every DKIM signature of each file verifies (and there is one), how many there are, and python3-dkim's log.</summary>
    public static IReadOnlyDictionary<string, (bool Ok, int Signatures, string Log)> Verify(IEnumerable<DkimTestKey> keys, params string[] files)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: the DKIM proof needs Debian's python3 with python3-dkim and python3-nacl.");
        }

        var records = Path.GetTempFileName();
        try
        {
            File.WriteAllText(records, JsonSerializer.Serialize(keys.ToDictionary(k => k.DnsName, k => k.TxtRecord)));
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(ScriptPath);
            start.ArgumentList.Add(records);
            foreach (var file in files)
            {
                start.ArgumentList.Add(file);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} could not be started.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode is not (0 or 1) || stdout.Result.Length == 0)
            {
                throw new InvalidOperationException($"dkim_verify.py failed with exit code {process.ExitCode} (is python3-dkim installed?): {stderr.Result}");
            }

            using var json = JsonDocument.Parse(stdout.Result);
            return json.RootElement.EnumerateObject().ToDictionary(
                f => f.Name,
                f => (f.Value.GetProperty("ok").GetBoolean(), f.Value.GetProperty("signatures").GetInt32(), f.Value.GetProperty("log").GetString()!));
        }
        finally
        {
            File.Delete(records);
        }
    }
}
