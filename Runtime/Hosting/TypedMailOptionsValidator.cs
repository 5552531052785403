using System;
using System.Collections.Generic;
using System.IO;
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

        if (options.DefaultFrom is not null && !EmailAddress.TryParse(options.DefaultFrom, out _))
        {
            failures.Add($"{Path("DefaultFrom")} is not a valid mailbox: '{options.DefaultFrom}'. Write it as 'name@example.com' or 'Name <name@example.com>'.");
        }

        if (options.MessageIdDomain is not null && !EmailAddress.TryParse("id@" + options.MessageIdDomain, out _))
        {
            failures.Add($"{Path("MessageIdDomain")} is not a valid domain: '{options.MessageIdDomain}'.");
        }

        switch (options.Transport)
        {
            case EmailTransportKind.Pickup:
                ValidatePickup(failures, options.Pickup);
                break;
            case EmailTransportKind.Smtp when options.Smtp is null:
                failures.Add($"{Path("Smtp")} is required when {Path("Transport")} is Smtp.");
                break;
            case EmailTransportKind.Smtp:
                // Values are shown as SmtpOptions shows them: the password never.
                foreach (var (setting, value, rule) in options.Smtp.Problems())
                {
                    failures.Add($"{Path("Smtp:" + setting)} {rule}, but is {value}.");
                }

                break;
            default:
                failures.Add($"{Path("Transport")} is '{options.Transport}', which is not a transport. Use one of: {string.Join(", ", Enum.GetNames<EmailTransportKind>())}.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidatePickup(List<string> failures, PickupFolderOptions? pickup)
    {
        if (string.IsNullOrWhiteSpace(pickup?.Folder))
        {
            failures.Add($"{Path("Pickup:Folder")} is required when {Path("Transport")} is Pickup: set it to the folder .eml files are written to.");
            return;
        }

        if (pickup.Folder.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{Path("Pickup:Folder")} is not a valid path: '{pickup.Folder}'.");
        }
        else if (File.Exists(pickup.Folder))
        {
            failures.Add($"{Path("Pickup:Folder")} is a file, not a folder: '{pickup.Folder}'.");
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
