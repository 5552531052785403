namespace TypedMail;

/// <summary>The output of a compiled email renderer: a subject and at least one body.</summary>
/// <param name="Subject">The rendered subject line.</param>
/// <param name="HtmlBody">The rendered HTML body, or <see langword="null"/> when the email has no HTML template.</param>
/// <param name="TextBody">The rendered plain-text body, or <see langword="null"/> when the email has no text template.</param>
/// <param name="Culture">The name of the culture it was rendered for (<c>fr-CA</c>); empty for the invariant culture.</param>
public sealed record RenderedEmail(string Subject, string? HtmlBody, string? TextBody, string Culture = "");
