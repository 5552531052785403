using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;

namespace TypedMail.Transports;

/// <summary>
/// Writes each message as an RFC 5322 <c>.eml</c> file into a folder: the embedded default, for development,
/// tests, and servers whose MTA collects a pickup directory. The file holds exactly what an SMTP transport would
/// send, built by MimeKit and DKIM-signed when a key is configured for the <c>From</c> domain. Files appear whole:
/// each is written under a temporary name and renamed.
/// </summary>
public sealed class PickupFolderTransport : IEmailTransport
{
    private readonly string _folder;
    private readonly MimeMessageBuilder _builder;

    /// <summary>Creates the transport, without DKIM signing; the folder is created if it does not exist.</summary>
    /// <param name="folder">The pickup folder.</param>
    public PickupFolderTransport(string folder)
        : this(folder, null)
    {
    }

    /// <summary>Creates the transport; the folder is created if it does not exist.</summary>
    /// <param name="folder">The pickup folder.</param>
    /// <param name="dkim">The DKIM keys messages are signed with, per <c>From</c> domain, or <see langword="null"/> to sign nothing.</param>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is empty, or a DKIM setting is wrong (the message names it).</exception>
    public PickupFolderTransport(string folder, DkimOptions? dkim)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _folder = Path.GetFullPath(folder);
        _builder = new MimeMessageBuilder(dkim);
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
                using var message = _builder.Build(email.Message);
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 16 * 1024, useAsync: true))
                {
                    await message.WriteToAsync(MimeMessageBuilder.WireFormat, file, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                File.Move(temp, path, overwrite: true);
                results[i] = SendResult.AcceptedForAll(email, new TransportReply(250, "2.0.0", "written to " + path));
            }
            catch (MessageFormatException ex)
            {
                results[i] = SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, ex.Message);
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
