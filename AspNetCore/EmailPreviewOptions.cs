using System.Collections.Generic;
using System.Reflection;

namespace TypedMail.AspNetCore;

/// <summary>What the preview pages show.</summary>
public sealed class EmailPreviewOptions
{
    /// <summary>The assemblies whose emails are listed. When empty, the application's entry assembly.</summary>
    public IList<Assembly> Assemblies { get; } = [];

    /// <summary>The sender shown in the MIME source. Default <c>Preview Sender &lt;sender@example.com&gt;</c>.</summary>
    public EmailAddress From { get; set; } = "Preview Sender <sender@example.com>";

    /// <summary>The recipient shown in the MIME source. Default <c>Preview Recipient &lt;recipient@example.com&gt;</c>.</summary>
    public EmailAddress To { get; set; } = "Preview Recipient <recipient@example.com>";
}
