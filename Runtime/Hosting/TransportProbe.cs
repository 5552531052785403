using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Hosting;

/// <summary>Checks that the configured transport can be reached, without sending a message.</summary>
internal abstract class TransportProbe
{
    /// <summary>A description of the transport for logs and health reports; never holds a secret.</summary>
    public abstract string Describe();

    /// <summary>Returns <see langword="null"/> when the transport is reachable, otherwise why not.</summary>
    public abstract Task<string?> ProbeAsync(CancellationToken cancellationToken);

    public static TransportProbe For(TypedMailOptions options, IEmailTransport transport) => (options.Transport, transport) switch
    {
        (EmailTransportKind.Pickup, _) => new PickupFolderProbe(Path.GetFullPath(options.Pickup.Folder!)),
        (EmailTransportKind.Smtp, SmtpTransport smtp) => new SmtpProbe(smtp, options.Smtp),
        var (kind, _) => throw new ArgumentOutOfRangeException(nameof(options), kind, "No probe for this transport."),
    };
}

/// <summary>The pickup folder is reachable when a file can be created in it.</summary>
internal sealed class PickupFolderProbe : TransportProbe
{
    private readonly string _folder;

    public PickupFolderProbe(string folder) => _folder = folder;

    public override string Describe() => $"pickup folder {_folder}";

    public override async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_folder, ".typedmail-probe-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            Directory.CreateDirectory(_folder);
            await File.WriteAllBytesAsync(probe, [], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
            return null;
        }
        catch (IOException ex)
        {
            return $"cannot write to {_folder}: {ex.Message}";
        }
        catch (UnauthorizedAccessException ex)
        {
            return $"cannot write to {_folder}: {ex.Message}";
        }
    }
}

/// <summary>The SMTP server is reachable when a connection (TCP, TLS, EHLO, AUTH) can be opened; it is kept for the next send.</summary>
internal sealed class SmtpProbe : TransportProbe
{
    private readonly SmtpTransport _transport;
    private readonly SmtpOptions _options;

    public SmtpProbe(SmtpTransport transport, SmtpOptions options)
    {
        _transport = transport;
        _options = options;
    }

    // SmtpOptions.ToString never shows the password.
    public override string Describe() => "smtp " + _options;

    public override async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _transport.VerifyConnectionAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Unreachable, TLS refused or untrusted, credentials or token refused, or the token provider failed.
            return ex.Message;
        }
    }
}
