namespace TypedMail.Analyzers;

/// <summary>The analyzers' diagnostic IDs (TM3xxx).</summary>
internal static class DiagnosticIds
{
    /// <summary>The docs page every analyzer diagnostic links to.</summary>
    public const string HelpBase = "https://github.com/typedmail/typedmail/blob/main/docs/diagnostics.md#";

    /// <summary>Mail is sent (SMTP or a transport) while a database transaction is open.</summary>
    public const string SmtpSendInsideTransaction = "TM3001";

    /// <summary>An email is enqueued on a context created in the method, and no SaveChanges follows.</summary>
    public const string EnqueueWithoutSaveChanges = "TM3002";

    /// <summary>A method of the compilation that sends mail is called while a database transaction is open.</summary>
    public const string SendingCallInsideTransaction = "TM3003";

    /// <summary>The help link for an ID: its heading in docs/diagnostics.md.</summary>
    public static string HelpLink(string id) => HelpBase + id.ToLowerInvariant();
}
