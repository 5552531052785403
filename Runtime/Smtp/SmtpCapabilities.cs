using System;
using System.Globalization;

namespace TypedMail.Smtp;

/// <summary>What a server offers in its EHLO reply (RFC 5321 4.1.1.1).</summary>
internal sealed class SmtpCapabilities
{
    /// <summary>A server that answered HELO: no extensions.</summary>
    public static readonly SmtpCapabilities None = new();

    public bool Pipelining { get; private init; }

    public bool StartTls { get; private init; }

    public bool EightBitMime { get; private init; }

    public bool SmtpUtf8 { get; private init; }

    /// <summary>The SIZE limit (RFC 1870) in bytes; 0 when the server announces none.</summary>
    public long MaxSize { get; private init; }

    public bool AuthPlain { get; private init; }

    public bool AuthLogin { get; private init; }

    public bool Auth { get; private init; }

    public static SmtpCapabilities Parse(SmtpResponse ehlo)
    {
        bool pipelining = false, startTls = false, eightBit = false, utf8 = false, auth = false, plain = false, login = false;
        long size = 0;

        // The first line is the server's name; each further line is a keyword and its parameters.
        foreach (var line in ehlo.Lines.AsSpan(1))
        {
            var words = line.Split([' ', '='], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            switch (words[0].ToUpperInvariant())
            {
                case "PIPELINING":
                    pipelining = true;
                    break;
                case "STARTTLS":
                    startTls = true;
                    break;
                case "8BITMIME":
                    eightBit = true;
                    break;
                case "SMTPUTF8":
                    utf8 = true;
                    break;
                case "SIZE":
                    if (words.Length > 1 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
                    {
                        size = limit;
                    }

                    break;
                case "AUTH":
                    auth = true;
                    foreach (var mechanism in words.AsSpan(1))
                    {
                        plain |= mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase);
                        login |= mechanism.Equals("LOGIN", StringComparison.OrdinalIgnoreCase);
                    }

                    break;
            }
        }

        return new SmtpCapabilities
        {
            Pipelining = pipelining,
            StartTls = startTls,
            EightBitMime = eightBit,
            SmtpUtf8 = utf8,
            MaxSize = size,
            Auth = auth,
            AuthPlain = plain,
            AuthLogin = login,
        };
    }
}
