using System;

namespace TypedMail;

/// <summary>
/// Marks a <c>partial record</c> as a typed email. At build time the TypedMail generator compiles the
/// record's templates (<c>{Name}.subject.scriban</c>, <c>{Name}.html.scriban</c>, <c>{Name}.text.scriban</c>)
/// into a renderer and emits a strongly typed <c>Enqueue</c> method for it.
/// </summary>
/// <remarks>
/// The record's public properties are the template's top-level variables, renamed to snake_case
/// (<c>FirstName</c> is <c>{{ first_name }}</c>). A subject template is required; an HTML template,
/// a text template or both must exist.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class EmailAttribute : Attribute
{
    /// <summary>
    /// The base name of the template files. Defaults to the record's name, so <c>WelcomeEmail</c> reads
    /// <c>WelcomeEmail.subject.scriban</c>, <c>WelcomeEmail.html.scriban</c> and <c>WelcomeEmail.text.scriban</c>.
    /// </summary>
    public string? Template { get; set; }

    /// <summary>
    /// The layout that wraps the HTML body: <c>{Layout}.layout.scriban</c>, which writes the body with <c>{{ content }}</c>.
    /// When not set, <c>Default.layout.scriban</c> is used if the project has one; an empty string means no layout.
    /// </summary>
    public string? Layout { get; set; }

    /// <summary>The longest <see cref="Category"/>, in characters.</summary>
    public const int MaxCategoryLength = Deliverability.DeliverabilityRules.MaxCategoryLength;

    /// <summary>
    /// The category of mail this type belongs to, such as <c>newsletter</c> or <c>product-updates</c>: a recipient who
    /// unsubscribed from it is suppressed for every type of the category. <see langword="null"/> (the default) marks
    /// transactional mail, which no category unsubscribe stops. 1 to 100 ASCII letters, digits, '.', '-' or '_'.
    /// </summary>
    public string? Category { get; set; }

    /// <summary>
    /// Adds one-click unsubscribe (RFC 8058) to every message of this type: <c>List-Unsubscribe</c> with the signed HTTPS
    /// link and the <c>mailto:</c> address configured in <c>TypedMailDbContextOptions.Unsubscribe</c>, and
    /// <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c>. Needs a <see cref="Category"/>, and one recipient per
    /// message (the link unsubscribes that address).
    /// </summary>
    public bool OneClickUnsubscribe { get; set; }

    /// <summary>
    /// Header fields every message of this type carries, as <c>"Name: value"</c>, such as <c>"X-Campaign: spring"</c>;
    /// written before the ones given at enqueue. Checked at build time with the rules of <c>EnqueueOptions.Headers</c> (TM1203, TM1204).
    /// </summary>
    public string[]? Headers { get; set; }

    /// <summary>Tags every message of this type carries, before the ones given at enqueue (see <c>EnqueueOptions.Tags</c>).</summary>
    public string[]? Tags { get; set; }
}
