using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Transports;

/// <summary>
/// Writes each message as an RFC 5322 <c>.eml</c> file into a folder: the embedded default, for development,
/// tests, and servers whose MTA collects a pickup directory. Files appear whole: each is written under a
/// temporary name and renamed.
/// </summary>
public sealed class PickupFolderTransport : IEmailTransport
{
    private readonly string _folder;

    /// <summary>Creates the transport; the folder is created if it does not exist.</summary>
    /// <param name="folder">The pickup folder.</param>
    public PickupFolderTransport(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _folder = Path.GetFullPath(folder);
    }

    /// <inheritdoc/>
    public string Name => "pickup";

    /// <summary>The full path of the pickup folder.</summary>
    public string Folder => _folder;

    /// <summary>The file a message is written to: its Message-ID's left part, so a retry overwrites rather than duplicates.</summary>
    /// <param name="messageId">The message's Message-ID, without angle brackets.</param>
    public string PathFor(string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var at = messageId.IndexOf('@');
        var name = at > 0 ? messageId[..at] : messageId;
        foreach (var c in Path.GetInvalidFileNameChars())
        {
            name = name.Replace(c, '_');
        }

        return Path.Combine(_folder, name + ".eml");
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Directory.CreateDirectory(_folder);
        var results = new SendResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var email = batch[i];
            var path = PathFor(email.Message.MessageId);
            var temp = path + ".tmp";
            try
            {
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 16 * 1024, useAsync: true))
                {
                    await email.Message.WriteToAsync(file, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                File.Move(temp, path, overwrite: true);
                results[i] = SendResult.AcceptedForAll(email, new TransportReply(250, "2.0.0", "written to " + path));
            }
            catch (IOException ex)
            {
                TryDelete(temp);
                results[i] = SendResult.FailedForAll(email, DeliveryStatus.TransientFailure, null, ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                TryDelete(temp);
                results[i] = SendResult.FailedForAll(email, DeliveryStatus.TransientFailure, null, ex.Message);
            }
        }

        return results;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover .tmp file is never picked up as a message.
        }
    }
}
