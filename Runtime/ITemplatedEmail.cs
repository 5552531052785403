using System.ComponentModel;
using System.Globalization;

namespace TypedMail;

/// <summary>
/// An <c>[Email]</c> record with compiled templates. The generator implements it on every <c>[Email]</c> record, whose
/// <see cref="Render"/> it compiles from the templates, so that the outbox renders and enqueues every email type with
/// the same code (<see cref="EmailOutbox.EnqueueTemplated"/>). Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITemplatedEmail
{
    /// <summary>Renders the subject and bodies of this email from its compiled templates, in a culture.</summary>
    /// <param name="culture">The culture; the invariant culture (the neutral templates) when <see langword="null"/>.</param>
    /// <returns>The rendered email.</returns>
    RenderedEmail Render(CultureInfo? culture = null);
}
