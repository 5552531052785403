using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>
/// A real SMTP server process on a free loopback port, started by a test and killed on dispose. A missing
/// binary or a server that does not come up fails the test with the reason; it never skips.
/// </summary>
public abstract class LoopbackServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    protected LoopbackServer(string fileName, IEnumerable<string> arguments, string? readyLine)
    {
        Port = FreePort.Next();
        Folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", "smtp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Folder };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{folder}", Folder, StringComparison.Ordinal));
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{fileName} is not installed ({ex.Message}); .ci/run installs postfix and python3-aiosmtpd (see shared/smtp-test-servers.md).", ex);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) => Received(e.Data);
        _process.ErrorDataReceived += (_, e) => Received(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilReady(fileName, readyLine);

        void Received(string? line)
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

    public int Port { get; }

    /// <summary>Connections the readiness check made (a server that counts sessions counts these too).</summary>
    public int ProbeConnections { get; private set; }

    /// <summary>A folder of the server's own (saved messages, certificates), deleted on dispose.</summary>
    public string Folder { get; }

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

    public virtual void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private void WaitUntilReady(string fileName, string? readyLine)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{fileName} exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            if (readyLine is null ? Accepts() : Output.Contains(readyLine, StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(50);
        }

        Dispose();
        throw new InvalidOperationException($"{fileName} did not get ready on port {Port} within 30 s:\n{Output}");
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            ProbeConnections++;
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>postfix's smtp-sink: fast, pipelining, with fault flags (-r, -f, -q, -Q, -W, -A).</summary>
public sealed class SmtpSink(params string[] flags)
    : LoopbackServer("smtp-sink", ["-u", "nobody", "-c", .. flags, "127.0.0.1:{port}", "256"], readyLine: null)
{
    /// <summary>
    /// The last <c>sess= quit= mesg=</c> counters smtp-sink printed (updated as sessions end and messages arrive),
    /// without the readiness check's connection.
    /// </summary>
    public (int Sessions, int Messages) Counters
    {
        get
        {
            var last = Output.Split('\r', '\n').LastOrDefault(l => l.StartsWith("sess=", StringComparison.Ordinal));
            if (last is null)
            {
                return (0, 0);
            }

            var fields = last.Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
            return (fields["sess"] - ProbeConnections, fields["mesg"]);
        }
    }
}

/// <summary>The shared aiosmtpd peer (shared/tools/aiosmtpd_peer.py): STARTTLS with the test's certificate, AUTH, exact saved messages.</summary>
public sealed class AiosmtpdPeer : LoopbackServer
{
    public AiosmtpdPeer(TestCertificate? certificate = null, params string[] flags)
        : base("/usr/bin/python3", Arguments(certificate, flags), "aiosmtpd-peer listening")
    {
    }

    public string MailFolder => Path.Combine(Folder, "mail");

    private static IEnumerable<string> Arguments(TestCertificate? certificate, string[] flags)
    {
        var script = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "tools", "aiosmtpd_peer.py"));
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The aiosmtpd peer is missing at {script}: clone the repository beside shared/.");
        }

        List<string> arguments = [script, "--port", "{port}", "--save-dir", "{folder}/mail", .. flags];
        if (certificate is not null)
        {
            arguments.AddRange(["--tls-dir", certificate.Folder]);
        }

        return arguments;
    }
}

/// <summary>
/// Runtime.Tests/Infrastructure/smtp_test_server.py: rejects chosen senders, recipients and contents, defers, drops and
/// stalls chosen messages (the queue's fault test), records every accepted message; implicit TLS.
/// </summary>
public sealed class TestSmtpServer : LoopbackServer
{
    public TestSmtpServer(TestCertificate? implicitTls = null, params string[] flags)
        : base("/usr/bin/python3", Arguments(implicitTls, flags), "smtp-test-server listening")
    {
    }

    public string MailFolder => Path.Combine(Folder, "mail");

    /// <summary>Message-ID and recipients, one entry per accepted delivery, in the order the server accepted them.</summary>
    public IReadOnlyList<(string MessageId, string[] Recipients)> Accepted()
        => Deliveries().Select(d => (d.MessageId, d.Recipients)).ToList();

    /// <summary>
    /// As <see cref="Accepted"/>, with the envelope sender (the MAIL FROM address, <c>&lt;&gt;</c> for the null sender) and
    /// the MAIL FROM parameters the server recorded (with <c>--requiretls</c>: REQUIRETLS).
    /// </summary>
    public IReadOnlyList<(string MessageId, string MailFrom, string[] Recipients, string[] MailParameters)> Deliveries()
        => RecordLines().Where(l => !l.StartsWith(XOAuth2, StringComparison.Ordinal)).Select(l => l.Split(' ')).Select(p => (p[0], p[1], p[2].Split(','), p[3..])).ToList();

    /// <summary>Every XOAUTH2 token presented to the server (with <c>--oauth2</c>), in order.</summary>
    public IReadOnlyList<string> PresentedTokens()
        => RecordLines().Where(l => l.StartsWith(XOAuth2, StringComparison.Ordinal)).Select(l => l[XOAuth2.Length..]).ToList();

    private const string XOAuth2 = "xoauth2 ";

    private IEnumerable<string> RecordLines()
    {
        // The server may be writing a line while the test reads: only lines it has finished (ended by '\n') count.
        var record = Path.Combine(Folder, "record");
        if (!File.Exists(record))
        {
            return [];
        }

        var lines = File.ReadAllText(record).Split('\n');
        return lines[..^1].Where(l => l.Length > 0);
    }

    private static IEnumerable<string> Arguments(TestCertificate? implicitTls, string[] flags)
    {
        List<string> arguments = [Path.Combine(RepoPaths.Root, "Runtime.Tests", "Infrastructure", "smtp_test_server.py"), "--port", "{port}", "--save-dir", "{folder}/mail", "--record", "{folder}/record", .. flags];
        if (implicitTls is not null)
        {
            arguments.AddRange(["--implicit-tls", implicitTls.CertificatePath, implicitTls.KeyPath]);
        }

        return arguments;
    }
}

/// <summary>A self-signed certificate for localhost/127.0.0.1, made by the test, written as cert.pem/key.pem for the servers.</summary>
public sealed class TestCertificate : IDisposable
{
    public TestCertificate()
    {
        Folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", "tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public string Folder { get; }

    public string CertificatePath => Path.Combine(Folder, "cert.pem");

    public string KeyPath => Path.Combine(Folder, "key.pem");

    /// <summary>SHA-256 of the certificate: what a test trusts explicitly.</summary>
    public string Thumbprint { get; }

    /// <summary>Accepts exactly this certificate, and only when the host name matched.</summary>
    public bool Trust(object sender, X509Certificate? certificate, X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
        => certificate is not null
            && (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == System.Net.Security.SslPolicyErrors.None
            && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), Thumbprint, StringComparison.OrdinalIgnoreCase);

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
}
