using System;

namespace TypedMail.Testing;

/// <summary>
/// A <see cref="MailCapture"/> assertion failed. Its message says what was expected and lists every email the test
/// enqueued, with its state, so the failure reads without a debugger. Any test framework reports it as a failure.
/// </summary>
public sealed class EmailAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EmailAssertionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was expected, and what was enqueued.</param>
    public EmailAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was expected, and what was enqueued.</param>
    /// <param name="innerException">The cause.</param>
    public EmailAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
