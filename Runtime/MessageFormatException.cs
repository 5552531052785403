using System;

namespace TypedMail;

/// <summary>
/// A message field cannot be written as valid RFC 5322/MIME, for example a header value with a line break, or a body
/// with an unpaired surrogate. Enqueue throws it before anything is tracked; it names the field and the value.
/// </summary>
public sealed class MessageFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field that was rejected, such as <c>Subject</c> or a header name.</param>
    /// <param name="value">The rejected value.</param>
    /// <param name="reason">Why it was rejected.</param>
    public MessageFormatException(string field, string value, string reason)
        : base($"{field} '{value}' cannot be written: {reason}.")
    {
        Field = field;
        Value = value;
    }

    /// <summary>The field that was rejected.</summary>
    public string Field { get; }

    /// <summary>The rejected value.</summary>
    public string Value { get; }
}
