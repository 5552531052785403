using System;

namespace TypedMail.Rendering;

/// <summary>
/// A compiled template failed while rendering, where Scriban fails at run time too and the compiler could not know
/// (a member read on a <see langword="null"/> value, an index out of an array's bounds, a loop over the iteration limit).
/// </summary>
public sealed class TemplateRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">The template file and position, as <c>Welcome.html.scriban(3,12)</c>.</param>
    /// <param name="message">What went wrong.</param>
    public TemplateRuntimeException(string location, string message)
        : base(location + " : error : " + message)
    {
        Location = location;
        Reason = message;
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="location">The template file and position, as <c>Welcome.html.scriban(3,12)</c>.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The exception that caused it.</param>
    public TemplateRuntimeException(string location, string message, Exception innerException)
        : base(location + " : error : " + message, innerException)
    {
        Location = location;
        Reason = message;
    }

    /// <summary>The template file and position of the failing expression, as <c>Welcome.html.scriban(3,12)</c>.</summary>
    public string Location { get; }

    /// <summary>What went wrong, without the location.</summary>
    public string Reason { get; }
}
