using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>
/// A private Dovecot IMAP server on free loopback ports: its own config, base_dir, state and log in a temp folder,
/// passwd-file authentication with one test user, Maildir storage in the same folder. TLS with a certificate for
/// localhost and 127.0.0.1 that a test CA issued (both made with openssl at start): STARTTLS on <see cref="Port"/>
/// (plain IMAP still allowed) and implicit TLS on <see cref="TlsPort"/>; <see cref="AuthorityPath"/> is the CA to trust. The test process runs it as
/// root (the master drops to the dovecot and dovenull users the package creates; mail is owned by nobody). A missing
/// binary or a server that does not come up fails the test with the reason; it never skips.
/// </summary>
public sealed class DovecotServer : IDisposable
{
    public const string UserName = "bounces";
    public const string Password = "imap-Pa55w0rd";
    private const string Binary = "/usr/sbin/dovecot";

    private readonly Process _process;

    public DovecotServer()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The Dovecot fixture runs on Linux only.");
        }

        if (!File.Exists(Binary) || !File.Exists("/usr/lib/dovecot/imap"))
        {
            throw new InvalidOperationException($"Dovecot's IMAP server is not installed ({Binary}, /usr/lib/dovecot/imap); tools/install-prerequisites.sh installs dovecot-imapd.");
        }

        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The Dovecot fixture runs the server as root (it drops privileges itself), but the tests run as {Environment.UserName}.");
        }

        Port = FreePort.Next();
        TlsPort = FreePort.Next();
        Folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", "dovecot-" + Guid.NewGuid().ToString("N"));
        var mail = Path.Combine(Folder, "mail");
        Directory.CreateDirectory(Path.Combine(Folder, "run"));
        Directory.CreateDirectory(mail);
        MakeCertificates();

        // The mail user (nobody) creates its Maildir here; the folders above must be traversable.
        File.SetUnixFileMode(mail, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit);
        File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(Folder, "passwd"), $"{UserName}:{{PLAIN}}{Password}::::::\n");
        var config = Path.Combine(Folder, "dovecot.conf");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $$"""
            base_dir = {{Folder}}/run
            state_dir = {{Folder}}/state
            log_path = {{Folder}}/dovecot.log
            instance_name = typedmail-{{Port}}
            protocols = imap
            listen = 127.0.0.1
            ssl = yes
            ssl_cert = <{{Folder}}/server.pem
            ssl_key = <{{Folder}}/server.key
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mail}}/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{Folder}}/passwd
            }
            userdb {
              driver = static
              args = uid=65534 gid=65534 home={{mail}}/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = {{TlsPort}}
                ssl = yes
              }
            }

            """));

        try
        {
            _process = Process.Start(new ProcessStartInfo(Binary) { ArgumentList = { "-F", "-c", config }, RedirectStandardOutput = true, RedirectStandardError = true })
                ?? throw new InvalidOperationException($"{Binary} could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{Binary} could not be started ({ex.Message}); tools/install-prerequisites.sh installs dovecot-imapd.", ex);
        }

        WaitUntilReady();
    }

    /// <summary>Plain IMAP, with STARTTLS.</summary>
    public int Port { get; }

    /// <summary>IMAP over TLS from the first byte.</summary>
    public int TlsPort { get; }

    /// <summary>The test CA that issued the server's certificate, as PEM.</summary>
    public string AuthorityPath => Path.Combine(Folder, "ca.pem");

    public string Folder { get; }

    /// <summary>Dovecot's log and its console output, for failure messages.</summary>
    public string Log
    {
        get
        {
            var log = Path.Combine(Folder, "dovecot.log");
            return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
        }
    }

    /// <summary>The settings that point <c>TypedMail:Bounces</c> at this server.</summary>
    public void Configure(TypedMail.Bounces.BounceOptions options)
    {
        options.Host = "127.0.0.1";
        options.Port = Port;
        options.TlsMode = TypedMail.Bounces.BounceMailboxTlsMode.None;
        options.UserName = UserName;
        options.Password = Password;
    }

    /// <summary>
    /// Makes the test CA (ca.pem, ca.key) and the server's certificate it issues (server.pem, server.key) for localhost and
    /// 127.0.0.1, with openssl: a real CA chain, as a mail server behind a private CA has.
    /// </summary>
    private void MakeCertificates()
    {
        File.WriteAllText(Path.Combine(Folder, "server.ext"), "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n");
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=TypedMail Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        OpenSsl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
    }

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("openssl could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"openssl could not be started ({ex.Message}); the Dovecot fixture makes its TLS certificates with it.", ex);
        }

        using var _ = process;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{error.Result}");
        }
    }

    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(UserName, Password);
        return client;
    }

    /// <summary>Delivers a message into a folder of the test user's mailbox with IMAP APPEND, as a mail server's delivery would.</summary>
    public async Task AppendAsync(string raw, string folder = "INBOX")
    {
        using var client = await ConnectAsync();
        var target = await client.GetFolderAsync(folder);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(raw));
        await target.AppendAsync(new AppendRequest(await MimeMessage.LoadAsync(stream)));
        await client.DisconnectAsync(true);
    }

    /// <summary>The Message-IDs in a folder, sorted and comma-separated (empty when it does not exist), and how many carry the processed keyword.</summary>
    public async Task<(string MessageIds, int Flagged)> ListAsync(string folder)
    {
        using var client = await ConnectAsync();
        IMailFolder target;
        try
        {
            target = await client.GetFolderAsync(folder);
        }
        catch (FolderNotFoundException)
        {
            return ("", 0);
        }

        await target.OpenAsync(FolderAccess.ReadOnly);
        var all = await target.SearchAsync(SearchQuery.All);
        var flagged = await target.SearchAsync(SearchQuery.HasKeyword(TypedMail.Bounces.BounceProcessor<ShopContext>.ProcessedKeyword));
        var summaries = all.Count == 0 ? [] : await target.FetchAsync(all, MessageSummaryItems.Envelope);
        await client.DisconnectAsync(true);
        var ids = new string[summaries.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = summaries[i].Envelope?.MessageId ?? "";
        }

        Array.Sort(ids, StringComparer.Ordinal);
        return (string.Join(',', ids), flagged.Count);
    }

    public void Dispose()
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
    }

    private void WaitUntilReady()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Binary} exited with code {_process.ExitCode} before it was ready:\n{_process.StandardError.ReadToEnd()}{_process.StandardOutput.ReadToEnd()}\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        var log = Log;
        Dispose();
        throw new InvalidOperationException($"{Binary} did not get ready on port {Port} within 30 s:\n{log}");
    }
}
