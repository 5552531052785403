using System;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>One SMTP reply (RFC 5321 4.2): the code, the enhanced status code (RFC 3463) when given, and the text lines.</summary>
internal sealed class SmtpResponse
{
    private TransportReply? _reply;

    private SmtpResponse(SmtpStatusCode code, string? enhancedStatus, string[] lines)
    {
        Code = code;
        EnhancedStatus = enhancedStatus;
        Lines = lines;
    }

    public SmtpStatusCode Code { get; }

    /// <summary>The RFC 3463 status, such as <c>5.1.1</c>, taken from the first line, or <see langword="null"/>.</summary>
    public string? EnhancedStatus { get; }

    /// <summary>The text of each line, without the code and the enhanced status.</summary>
    public string[] Lines { get; }

    /// <summary>The first digit: 2 positive, 3 intermediate, 4 transient failure, 5 permanent failure.</summary>
    public int Class => (int)Code / 100;

    /// <summary>What the reply means for a recipient or message.</summary>
    public DeliveryStatus Status => Class switch
    {
        2 => DeliveryStatus.Accepted,
        4 => DeliveryStatus.TransientFailure,
        _ => DeliveryStatus.PermanentFailure,
    };

    /// <summary>The reply as the transport reports it.</summary>
    public TransportReply Reply => _reply ??= new TransportReply((int)Code, EnhancedStatus, string.Join(' ', Lines).Trim());

    /// <summary>Builds a reply from its lines, stripping an enhanced status code whose class matches the reply code.</summary>
    public static SmtpResponse Create(int code, string[] lines)
    {
        string? enhanced = null;
        if (lines.Length > 0 && EnhancedStatusLength(lines[0], code / 100) is var length and > 0)
        {
            enhanced = lines[0][..length];
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith(enhanced, StringComparison.Ordinal) && (lines[i].Length == length || lines[i][length] == ' '))
                {
                    lines[i] = lines[i][Math.Min(lines[i].Length, length + 1)..];
                }
            }
        }

        return new SmtpResponse((SmtpStatusCode)code, enhanced, lines);
    }

    /// <inheritdoc/>
    public override string ToString() => Reply.ToString();

    /// <summary>The length of a leading <c>class.subject.detail</c> (1-3 digits each, RFC 3463 2), or 0.</summary>
    private static int EnhancedStatusLength(string text, int replyClass)
    {
        if (text.Length < 5 || text[0] != (char)('0' + replyClass) || text[1] != '.')
        {
            return 0;
        }

        var i = 2;
        for (var part = 0; part < 2; part++)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3)
            {
                i++;
            }

            if (i == start || (part == 0 && (i == text.Length || text[i] != '.')))
            {
                return 0;
            }

            if (part == 0)
            {
                i++;
            }
        }

        return i == text.Length || text[i] == ' ' ? i : 0;
    }
}
