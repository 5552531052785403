using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TypedMail.Smtp;
using Microsoft.Extensions.Options;

namespace TypedMail.Hosting;

/// <summary>
/// Checks <see cref="TypedMailOptions"/> when the host starts. Every failure names the setting by its configuration
/// path and shows the offending value, except for secrets, which are never shown.
/// </summary>
internal sealed class TypedMailOptionsValidator : IValidateOptions<TypedMailOptions>
{
    private readonly string _section;

    /// <param name="section">The configuration path the options are bound from, used to name settings.</param>
    public TypedMailOptionsValidator(string section) => _section = section;

    public ValidateOptionsResult Validate(string? name, TypedMailOptions options)
    {
        var failures = new List<string>();
        if (options.Dispatcher is null)
        {
            failures.Add($"{Path("Dispatcher")} is missing.");
        }
        else
        {
            foreach (var (setting, value, rule) in options.Dispatcher.Problems())
            {
                failures.Add($"{Path("Dispatcher:" + setting)} {rule}, but is {value}.");
            }
        }

        if (options.MaxMessagesPerSecond is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            failures.Add($"{Path("MaxMessagesPerSecond")} must be a positive number, but is {rate}.");
        }

        Positive(failures, "QueueMetricsInterval", options.QueueMetricsInterval);
        if (options.Health is null)
        {
            failures.Add($"{Path("Health")} is missing.");
        }
        else
        {
            Positive(failures, "Health:FailedWindow", options.Health.FailedWindow);
            AtLeast(failures, "Health:FailedLimit", options.Health.FailedLimit, 1);
            Positive(failures, "Health:ProbeTimeout", options.Health.ProbeTimeout);
        }

        if (options.Retention is null)
        {
            failures.Add($"{Path("Retention")} is missing.");
        }
        else
        {
            if (options.Retention.Period is { } period)
            {
                Positive(failures, "Retention:Period", period);
            }

            Positive(failures, "Retention:Interval", options.Retention.Interval);
        }

        if (options.Bounces is null)
        {
            failures.Add($"{Path("Bounces")} is missing.");
        }
        else
        {
            // The password is never shown: only whether it is set.
            foreach (var (setting, value, rule) in options.Bounces.Problems())
            {
                failures.Add($"{Path("Bounces:" + setting)} {rule}, but is {value}.");
            }
        }

        if (options.DefaultFrom is not null && !EmailAddress.TryParse(options.DefaultFrom, out _))
        {
            failures.Add($"{Path("DefaultFrom")} is not a valid mailbox: '{options.DefaultFrom}'. Write it as 'name@example.com' or 'Name <name@example.com>'.");
        }

        if (options.MessageIdDomain is not null && !EmailAddress.TryParse("id@" + options.MessageIdDomain, out _))
        {
            failures.Add($"{Path("MessageIdDomain")} is not a valid domain: '{options.MessageIdDomain}'.");
        }

        if (options.BounceAddress is not null)
        {
            if (!EmailAddress.TryParse(options.BounceAddress, out var bounce))
            {
                failures.Add($"{Path("BounceAddress")} is not a valid address: '{options.BounceAddress}'.");
            }
            else if (VerpAddress.ValidatePrefix(bounce!.LocalPart) is { } problem)
            {
                failures.Add($"{Path("BounceAddress")} '{options.BounceAddress}': {problem}.");
            }
        }

        if (options.Unsubscribe is null)
        {
            failures.Add($"{Path("Unsubscribe")} is missing.");
        }
        else if (options.Unsubscribe.IsConfigured)
        {
            foreach (var (setting, problem) in options.Unsubscribe.Problems())
            {
                failures.Add($"{Path("Unsubscribe:" + setting)} {problem}.");
            }
        }

        if (options.Dkim is null)
        {
            failures.Add($"{Path("Dkim")} is missing.");
        }
        else
        {
            // Private keys are never shown: only whether they load and fit the algorithm.
            foreach (var (setting, value, rule) in options.Dkim.Problems())
            {
                failures.Add($"{Path("Dkim:" + setting)} {rule}, but is {value}.");
            }
        }

        ValidateTransport(failures, "", options.Transport, options.Pickup, options.Smtp);
        ValidateNamedTransports(failures, options);
        ValidateRoutes(failures, options);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The main transport (<paramref name="prefix"/> empty) or a named one (<c>Transports:name:</c>).</summary>
    private void ValidateTransport(List<string> failures, string prefix, EmailTransportKind kind, PickupFolderOptions? pickup, SmtpOptions? smtp)
    {
        switch (kind)
        {
            case EmailTransportKind.Pickup:
                ValidatePickup(failures, prefix, pickup);
                break;
            case EmailTransportKind.Smtp when smtp is null:
                failures.Add($"{Path(prefix + "Smtp")} is required when {Path(prefix + "Transport")} is Smtp.");
                break;
            case EmailTransportKind.Smtp:
                // Values are shown as SmtpOptions shows them: the password never.
                foreach (var (setting, value, rule) in smtp.Problems())
                {
                    failures.Add($"{Path(prefix + "Smtp:" + setting)} {rule}, but is {value}.");
                }

                break;
            default:
                failures.Add($"{Path(prefix + "Transport")} is '{kind}', which is not a transport. Use one of: {string.Join(", ", Enum.GetNames<EmailTransportKind>())}.");
                break;
        }
    }

    private void ValidateNamedTransports(List<string> failures, TypedMailOptions options)
    {
        if (options.Transports is null)
        {
            failures.Add($"{Path("Transports")} is missing.");
            return;
        }

        var main = TypedMailOptions.MainTransportName(options.Transport);
        foreach (var (name, transport) in options.Transports)
        {
            var prefix = "Transports:" + name + ":";
            if (string.IsNullOrWhiteSpace(name) || name.Length > EnqueueOptions.MaxTransportLength)
            {
                failures.Add($"{Path("Transports")} has a transport named '{name}': a name must be 1 to {EnqueueOptions.MaxTransportLength} characters and not blank.");
            }
            else if (string.Equals(name, main, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{Path("Transports:" + name)} has the main transport's name '{main}': give it another name.");
            }

            if (transport is null)
            {
                failures.Add($"{Path("Transports:" + name)} is empty: set at least {Path(prefix + "Transport")} and its settings.");
                continue;
            }

            ValidateTransport(failures, prefix, transport.Transport, transport.Pickup, transport.Smtp);
            if (transport.MaxMessagesPerSecond is { } rate && !(rate > 0 && double.IsFinite(rate)))
            {
                failures.Add($"{Path(prefix + "MaxMessagesPerSecond")} must be a positive number, but is {rate}.");
            }
        }
    }

    private void ValidateRoutes(List<string> failures, TypedMailOptions options)
    {
        if (options.Routes is null)
        {
            failures.Add($"{Path("Routes")} is missing.");
            return;
        }

        var configured = new[] { TypedMailOptions.MainTransportName(options.Transport) }
            .Concat(options.Transports?.Keys.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var (emailType, names) in options.Routes)
        {
            if (names is null || names.Length == 0)
            {
                failures.Add($"{Path("Routes:" + emailType)} names no transport: list one or more of {string.Join(", ", configured)}.");
                continue;
            }

            foreach (var name in names)
            {
                if (!configured.Contains(name, StringComparer.Ordinal))
                {
                    failures.Add($"{Path("Routes:" + emailType)} names transport '{name}', which is not configured. Configured: {string.Join(", ", configured)}.");
                }
            }
        }
    }

    private void ValidatePickup(List<string> failures, string prefix, PickupFolderOptions? pickup)
    {
        if (string.IsNullOrWhiteSpace(pickup?.Folder))
        {
            failures.Add($"{Path(prefix + "Pickup:Folder")} is required when {Path(prefix + "Transport")} is Pickup: set it to the folder .eml files are written to.");
            return;
        }

        if (pickup.Folder.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{Path(prefix + "Pickup:Folder")} is not a valid path: '{pickup.Folder}'.");
        }
        else if (File.Exists(pickup.Folder))
        {
            failures.Add($"{Path(prefix + "Pickup:Folder")} is a file, not a folder: '{pickup.Folder}'.");
        }
    }

    private void AtLeast(List<string> failures, string setting, int value, int minimum)
    {
        if (value < minimum)
        {
            failures.Add($"{Path(setting)} must be at least {minimum}, but is {value}.");
        }
    }

    private void Positive(List<string> failures, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{Path(setting)} must be longer than zero, but is {value}.");
        }
    }

    private string Path(string setting) => _section.Length == 0 ? setting : _section + ":" + setting;
}
