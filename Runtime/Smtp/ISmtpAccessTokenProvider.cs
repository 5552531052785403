using System;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Smtp;

/// <summary>
/// Gives OAuth 2.0 access tokens for SMTP AUTH (XOAUTH2 or OAUTHBEARER), such as Microsoft 365's or Gmail's.
/// Set it as <see cref="SmtpOptions.AccessTokenProvider"/>, or register it in the service container for hosting
/// (keyed by the transport's name for a named transport). See docs/smtp.md for recipes.
/// </summary>
public interface ISmtpAccessTokenProvider
{
    /// <summary>Returns an access token for <paramref name="userName"/>.</summary>
    /// <param name="userName">The account the token is for (<see cref="SmtpOptions.UserName"/>).</param>
    /// <param name="forceRefresh">
    /// <see langword="true"/> when the server refused the last token (usually because it expired): return a new one,
    /// not one from a cache.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The bare access token, without a <c>Bearer</c> prefix.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Any other exception fails the connection attempt: the messages waiting for it fail for now and are tried again later.</remarks>
    ValueTask<string> GetAccessTokenAsync(string userName, bool forceRefresh, CancellationToken cancellationToken);
}

/// <summary>An <see cref="ISmtpAccessTokenProvider"/> made from a delegate.</summary>
/// <param name="getToken">Returns a token for the user; the flag asks for a fresh one (see <see cref="ISmtpAccessTokenProvider.GetAccessTokenAsync"/>).</param>
public sealed class SmtpAccessTokenProvider(Func<string, bool, CancellationToken, ValueTask<string>> getToken) : ISmtpAccessTokenProvider
{
    private readonly Func<string, bool, CancellationToken, ValueTask<string>> _getToken = getToken ?? throw new ArgumentNullException(nameof(getToken));

    /// <inheritdoc/>
    public ValueTask<string> GetAccessTokenAsync(string userName, bool forceRefresh, CancellationToken cancellationToken)
        => _getToken(userName, forceRefresh, cancellationToken);
}
