namespace TypedMail.AspNetCore;

/// <summary>Who may open the outbox dashboard, and how much it shows per page.</summary>
/// <remarks>
/// The dashboard can retry, suppress and purge mail, so it is closed by default: name the authorization policy
/// operators must satisfy in <see cref="AuthorizationPolicy"/>, or open it to anyone who can reach it with
/// <see cref="AllowAnonymous"/>. Setting neither, or both, stops the application at start.
/// </remarks>
public sealed class TypedMailDashboardOptions
{
    /// <summary>The largest <see cref="PageSize"/>.</summary>
    public const int MaxPageSize = 500;

    /// <summary>
    /// The name of the authorization policy every dashboard request must satisfy, as registered with
    /// <c>AddAuthorization(o =&gt; o.AddPolicy(...))</c>. Required unless <see cref="AllowAnonymous"/> is set.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Serves the dashboard to anonymous requests, without any policy: only for a host that is itself reachable by
    /// operators alone (a private network, a sidecar behind its own authentication). Default <see langword="false"/>.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Messages or addresses per page, 1 to <see cref="MaxPageSize"/>. Default 50.</summary>
    public int PageSize { get; set; } = 50;
}
