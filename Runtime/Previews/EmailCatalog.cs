using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace TypedMail.Previews;

/// <summary>One named sample of an email: renders the email from the sample data its record provides.</summary>
/// <param name="Name">The sample member's name, such as <c>NewCustomer</c>.</param>
/// <param name="Render">Builds the sample and renders it in a culture (<see langword="null"/>: the neutral templates).</param>
public sealed record EmailSample(string Name, Func<CultureInfo?, RenderedEmail> Render)
{
    /// <summary>The <c>Reply-To</c> mailbox the sample declares (<see cref="EmailSampleAttribute.ReplyTo"/>), or <see langword="null"/>.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>The attachment file names the sample declares (<see cref="EmailSampleAttribute.Attachments"/>).</summary>
    public IReadOnlyList<string> Attachments { get; init; } = [];
}

/// <summary>An <c>[Email]</c> type as the generator saw it, with its samples (none when the record provides no sample data).</summary>
/// <param name="EmailType">The email type name stored with queued messages, such as <c>Shop.WelcomeEmail</c>.</param>
/// <param name="Type">The record type.</param>
/// <param name="Samples">Its <c>[EmailSample]</c> members, in declaration order.</param>
/// <param name="Cultures">The cultures of its subject and body variants (<c>fr</c>, <c>fr-CA</c>), ordered; empty when it has none.</param>
public sealed record EmailDescriptor(string EmailType, Type Type, IReadOnlyList<EmailSample> Samples, IReadOnlyList<string> Cultures);

/// <summary>The generated list of an assembly's email types. Implemented by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IEmailCatalog
{
    /// <summary>Every <c>[Email]</c> type of the assembly, ordered by name.</summary>
    IReadOnlyList<EmailDescriptor> Emails { get; }
}

/// <summary>Names the generated <see cref="IEmailCatalog"/> of an assembly. Emitted by the generator.</summary>
/// <param name="catalogType">The generated catalog type.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class EmailCatalogAttribute(Type catalogType) : Attribute
{
    /// <summary>The generated catalog type.</summary>
    public Type CatalogType { get; } = catalogType;
}

/// <summary>Reads the email types the generator compiled into assemblies, for previews.</summary>
public static class EmailCatalog
{
    /// <summary>Every email type of the given assemblies, ordered by name. Assemblies without emails add nothing.</summary>
    /// <param name="assemblies">Assemblies built with the TypedMail generator.</param>
    /// <returns>The email types and their samples.</returns>
    /// <exception cref="InvalidOperationException">An assembly names a catalog type that is not an <see cref="IEmailCatalog"/>.</exception>
    public static IReadOnlyList<EmailDescriptor> Read(params IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var emails = new List<EmailDescriptor>();
        var seen = new HashSet<Assembly>();
        foreach (var assembly in assemblies)
        {
            if (!seen.Add(assembly) || assembly.GetCustomAttribute<EmailCatalogAttribute>() is not { } attribute)
            {
                continue;
            }

            if (Activator.CreateInstance(attribute.CatalogType) is not IEmailCatalog catalog)
            {
                throw new InvalidOperationException(
                    $"The email catalog {attribute.CatalogType.FullName} of {assembly.GetName().Name} is not an {nameof(IEmailCatalog)}: rebuild the assembly with the TypedMail generator.");
            }

            emails.AddRange(catalog.Emails);
        }

        emails.Sort((a, b) => string.CompareOrdinal(a.EmailType, b.EmailType));
        return emails;
    }
}
