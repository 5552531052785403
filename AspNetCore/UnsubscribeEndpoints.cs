using System;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TypedMail;
using TypedMail.Deliverability;
using TypedMail.Outbox;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the one-click unsubscribe endpoint (RFC 8058).</summary>
public static partial class UnsubscribeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the endpoint that <c>List-Unsubscribe</c> links point to. A <c>POST</c> with a valid token (the mailbox
    /// provider's one-click request, or the confirmation button) unsubscribes the token's address from the token's
    /// category. A <c>GET</c> (a person clicking the link, or a scanner prefetching it) changes nothing: it shows a
    /// page with that button. Set <c>Unsubscribe:Url</c> to this endpoint's absolute URL.
    /// </summary>
    /// <typeparam name="TContext">The application's context, registered in the container, configured with the unsubscribe keys.</typeparam>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">The endpoint's path. Default <c>/typedmail/unsubscribe</c>.</param>
    /// <returns>The route group, to add conventions such as rate limiting.</returns>
    public static RouteGroupBuilder MapTypedMailUnsubscribe<TContext>(this IEndpointRouteBuilder endpoints, string pattern = "/typedmail/unsubscribe")
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var group = endpoints.MapGroup(pattern);
        group.MapGet("/", ConfirmAsync<TContext>);
        group.MapPost("/", UnsubscribeAsync<TContext>);
        return group;
    }

    private static Task ConfirmAsync<TContext>(HttpContext http)
        where TContext : DbContext
    {
        var token = http.Request.Query["token"].ToString();
        var tokens = UnsubscribeTokens.For(http.RequestServices.GetRequiredService<TContext>());
        if (tokens.Validate(token, out var request) != UnsubscribeTokenError.None)
        {
            return Page(http, StatusCodes.Status400BadRequest, "This unsubscribe link is not valid or has expired.", null);
        }

        var form = "<form method=\"post\" action=\"?token=" + WebUtility.HtmlEncode(Uri.EscapeDataString(token)) + "\">"
            + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\"><button type=\"submit\">Unsubscribe</button></form>";
        return Page(http, StatusCodes.Status200OK, $"Unsubscribe {request!.Address} from {request.Category} mail?", form);
    }

    private static async Task UnsubscribeAsync<TContext>(HttpContext http)
        where TContext : DbContext
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TypedMail.Unsubscribe");
        var db = http.RequestServices.GetRequiredService<TContext>();
        var error = UnsubscribeTokens.For(db).Validate(http.Request.Query["token"].ToString(), out var request);
        if (error != UnsubscribeTokenError.None)
        {
            Log.Refused(logger, error);
            await Page(http, StatusCodes.Status400BadRequest, "This unsubscribe link is not valid or has expired.", null).ConfigureAwait(false);
            return;
        }

        var added = await OutboxMaintenance.UnsubscribeAsync(db, new EmailAddress(request!.Address), request.Category, http.RequestAborted).ConfigureAwait(false);
        Log.Unsubscribed(logger, request.Category, request.KeyId, added);
        await Page(http, StatusCodes.Status200OK, $"{request.Address} is unsubscribed from {request.Category} mail.", null).ConfigureAwait(false);
    }

    private static Task Page(HttpContext http, int status, string message, string? form)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>Unsubscribe</title></head><body><p id=\"message\">"
            + WebUtility.HtmlEncode(message) + "</p>" + form + "</body></html>",
            http.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "One-click unsubscribe from {Category} (key {KeyId}); new: {Added}")]
        public static partial void Unsubscribed(ILogger logger, string category, string keyId, bool added);

        [LoggerMessage(2, LogLevel.Warning, "Refused an unsubscribe request: {Error}")]
        public static partial void Refused(ILogger logger, UnsubscribeTokenError error);
    }
}
