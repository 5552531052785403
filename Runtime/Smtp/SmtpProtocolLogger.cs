using System;
using System.Text;
using MailKit;
using Microsoft.Extensions.Logging;

namespace TypedMail.Smtp;

/// <summary>
/// Routes MailKit's SMTP protocol log to <see cref="ILogger"/> at Trace, one entry per read or write. Whatever
/// MailKit's authentication secret detector marks (the payloads of AUTH: passwords, tokens) is replaced by
/// <c>********</c> before anything is logged. Used only when Trace is enabled.
/// </summary>
internal sealed partial class SmtpProtocolLogger(ILogger logger) : IProtocolLogger
{
    private const string Redacted = "********";

    /// <inheritdoc/>
    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <inheritdoc/>
    public void LogConnect(Uri uri) => LogConnected(logger, uri);

    /// <inheritdoc/>
    public void LogClient(byte[] buffer, int offset, int count)
    {
        var secrets = AuthenticationSecretDetector?.DetectSecrets(buffer, offset, count);
        if (secrets is null || secrets.Count == 0)
        {
            LogClientSent(logger, Text(buffer, offset, count));
            return;
        }

        var text = new StringBuilder();
        var start = offset;
        foreach (var secret in secrets)
        {
            text.Append(Text(buffer, start, secret.StartIndex - start)).Append(Redacted);
            start = secret.StartIndex + secret.Length;
        }

        text.Append(Text(buffer, start, offset + count - start));
        LogClientSent(logger, text.ToString());
    }

    /// <inheritdoc/>
    public void LogServer(byte[] buffer, int offset, int count) => LogServerSent(logger, Text(buffer, offset, count));

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static string Text(byte[] buffer, int offset, int count) => Encoding.UTF8.GetString(buffer, offset, Math.Max(0, count)).TrimEnd('\r', '\n');

    [LoggerMessage(20, LogLevel.Trace, "SMTP connected to {Uri}")]
    private static partial void LogConnected(ILogger logger, Uri uri);

    [LoggerMessage(21, LogLevel.Trace, "SMTP C: {Text}")]
    private static partial void LogClientSent(ILogger logger, string text);

    [LoggerMessage(22, LogLevel.Trace, "SMTP S: {Text}")]
    private static partial void LogServerSent(ILogger logger, string text);
}
