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
}
