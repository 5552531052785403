using System;
using System.CommandLine;
using System.IO;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Spectre.Console;
using TypedMail.Bounces;

namespace TypedMail.Cli.Commands;

/// <summary><c>typedmail bounces</c>: reads the bounce mailbox once, recording bounces and complaints and suppressing addresses.</summary>
internal static class BouncesCommand
{
    public const string PasswordVariable = "TYPEDMAIL_BOUNCES_PASSWORD";

    public static Command Create(Cli cli)
    {
        var defaults = new BounceOptions();
        var host = new Option<string>("--imap-host") { Description = "The IMAP server of the bounce mailbox.", Required = true };
        var port = new Option<int>("--imap-port") { Description = "The IMAP port.", DefaultValueFactory = _ => defaults.Port };
        var tls = new Option<BounceMailboxTlsMode>("--imap-tls") { Description = "How the IMAP connection is encrypted.", DefaultValueFactory = _ => defaults.TlsMode };
        var authorities = new Option<string?>("--imap-ca-file") { Description = "A PEM file of certificate authorities to trust for the IMAP server's certificate, besides the system's." };
        var user = new Option<string>("--imap-user")
        {
            Description = $"The mailbox's user; the password comes from the {PasswordVariable} environment variable, never the command line.",
            Required = true,
        };
        var folder = new Option<string>("--folder") { Description = "The folder reports arrive in.", DefaultValueFactory = _ => defaults.Folder };
        var processed = new Option<string?>("--processed-folder") { Description = "Move recorded reports here (created if missing); by default they stay, flagged as seen and $TypedMailProcessed." };
        var rejected = new Option<string>("--rejected-folder") { Description = "Move unusable reports here (created if missing).", DefaultValueFactory = _ => defaults.RejectedFolder };
        var maxSize = new Option<long>("--max-size") { Description = "The largest report read, in bytes; larger ones are rejected unread.", DefaultValueFactory = _ => defaults.MaxMessageSize };
        var softLimit = new Option<int?>("--soft-bounce-limit") { Description = "How many soft bounces suppress an address.", DefaultValueFactory = _ => defaults.SoftBounceLimit };
        var command = new Command("bounces", "Read the bounce mailbox once over IMAP: record each delivery status notification and complaint report against its message and recipient, suppress hard-bounced and complaining addresses, and move or flag each report. Exits 5 when the mailbox cannot be read.")
        {
            host, port, tls, authorities, user, folder, processed, rejected, maxSize, softLimit,
        };
        command.SetAction(cli.WithDatabase(async (parse, database, cancellationToken) =>
        {
            var options = new BounceOptions
            {
                Host = parse.GetValue(host),
                Port = parse.GetValue(port),
                TlsMode = parse.GetValue(tls),
                TrustedCertificateAuthoritiesFile = parse.GetValue(authorities),
                UserName = parse.GetValue(user),
                Password = cli.Environment(PasswordVariable),
                Folder = parse.GetValue(folder)!,
                ProcessedFolder = parse.GetValue(processed),
                RejectedFolder = parse.GetValue(rejected)!,
                MaxMessageSize = parse.GetValue(maxSize),
                SoftBounceLimit = parse.GetValue(softLimit),
            };
            if (string.IsNullOrEmpty(options.Password))
            {
                throw new UsageException($"No password for the bounce mailbox: set the {PasswordVariable} environment variable.");
            }

            BounceProcessor<OutboxContext> processor;
            try
            {
                processor = new BounceProcessor<OutboxContext>(database, options, new ConsoleLogger<BounceProcessor<OutboxContext>>(cli.Console, cli.Time), cli.Time);
            }
            catch (ArgumentException ex)
            {
                // Names the setting and the value, never the password.
                throw new UsageException(ex.Message);
            }

            BounceRunResult result;
            try
            {
                result = await processor.ProcessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or SslHandshakeException or ImapCommandException or ImapProtocolException or FolderNotFoundException or IOException or SocketException)
            {
                await cli.Error.WriteLineAsync($"Could not read the bounce mailbox {options.Folder} on {options.Host}:{options.Port} as {options.UserName}: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Mailbox;
            }

            cli.Console.WriteLine($"{result.Recorded} report(s) recorded, {result.Rejected} rejected and moved aside, {result.AlreadyProcessed} already processed; {result.Suppressed} address(es) suppressed.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
