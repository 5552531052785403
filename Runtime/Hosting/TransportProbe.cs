using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Hosting;

/// <summary>Checks that the configured transport can be reached, without sending a message.</summary>
internal abstract class TransportProbe
{
    /// <summary>A description of the transport for logs and health reports; never holds a secret.</summary>
    public abstract string Describe();

    /// <summary>Returns <see langword="null"/> when the transport is reachable, otherwise why not.</summary>
    public abstract Task<string?> ProbeAsync(CancellationToken cancellationToken);

    public static TransportProbe For(TypedMailOptions options) => options.Transport switch
    {
        EmailTransportKind.Pickup => new PickupFolderProbe(Path.GetFullPath(options.Pickup.Folder!)),
        var other => throw new ArgumentOutOfRangeException(nameof(options), other, "Unknown transport."),
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
