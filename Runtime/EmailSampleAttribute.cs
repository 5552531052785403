using System;

namespace TypedMail;

/// <summary>
/// Marks sample data for previews: a static property or parameterless static method on an <c>[Email]</c> record that
/// returns an instance of that record. Each marked member is one named preview, so an email can show several cases.
/// <see cref="ReplyTo"/> and <see cref="Attachments"/> give the preview what a message carries beside the model.
/// </summary>
/// <example>
/// <code>
/// [Email]
/// public partial record WelcomeEmail(string FirstName, string ProductName)
/// {
///     [EmailSample]
///     public static WelcomeEmail NewCustomer => new("Ada", "Acme");
///
///     [EmailSample(ReplyTo = "Support &lt;support@acme.test&gt;", Attachments = ["terms.pdf"])]
///     public static WelcomeEmail WithTerms => new("Grace", "Acme");
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class EmailSampleAttribute : Attribute
{
    /// <summary>The <c>Reply-To</c> mailbox the preview shows for this sample, such as <c>Support &lt;support@acme.test&gt;</c>; none when not set.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>
    /// File names of the attachments the preview lists for this sample, such as <c>invoice.pdf</c> (an application attaches
    /// them with <c>EnqueueOptions.Attachments</c>). The preview's MIME source carries an empty part for each.
    /// </summary>
    public string[]? Attachments { get; set; }
}
