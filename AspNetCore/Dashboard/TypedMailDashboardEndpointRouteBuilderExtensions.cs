using System;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedMail.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the outbox dashboard.</summary>
public static class TypedMailDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the outbox dashboard for operators: counts per state and the last hour's sends and failures, failed and
    /// deferred mail with the last error, each message's recipients, attempt log and rendered email, and the actions
    /// retry, requeue every failed message, suppress and unsuppress an address, and purge. Register it first with
    /// <c>services.AddTypedMailDashboard&lt;TContext&gt;(o =&gt; o.AuthorizationPolicy = "...")</c>. Every request must
    /// satisfy that policy unless the application set <see cref="TypedMailDashboardOptions.AllowAnonymous"/>; every
    /// action is a <c>POST</c> with an antiforgery token.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">Where the pages live. Default <c>/typedmail/dashboard</c>.</param>
    /// <returns>The route group, to add conventions such as rate limiting.</returns>
    /// <exception cref="InvalidOperationException"><c>AddTypedMailDashboard</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names the setting and its value.</exception>
    public static RouteGroupBuilder MapTypedMailDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/typedmail/dashboard")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var services = endpoints.ServiceProvider;
        var database = services.GetService<DashboardDatabase>()
            ?? throw new InvalidOperationException(
                "MapTypedMailDashboard() needs services.AddTypedMailDashboard<TContext>(o => o.AuthorizationPolicy = \"...\") to name the outbox's context and who may open the dashboard.");
        var options = services.GetRequiredService<IOptions<TypedMailDashboardOptions>>().Value;

        var pages = new DashboardPages(database, options, pattern.TrimEnd('/'), services.GetRequiredService<TimeProvider>());
        var group = endpoints.MapGroup(pattern);
        if (options.AllowAnonymous)
        {
            group.AllowAnonymous();
        }
        else
        {
            group.RequireAuthorization(options.AuthorizationPolicy!);
        }

        group.MapGet("/", pages.OverviewAsync);
        group.MapGet("/messages", pages.MessagesAsync);
        group.MapGet("/messages/{id:guid}", pages.MessageAsync);
        group.MapGet("/messages/{id:guid}/html", pages.HtmlAsync);
        group.MapGet("/suppressions", pages.SuppressionsAsync);
        group.MapPost("/messages/{id:guid}/retry", pages.RetryAsync);
        group.MapPost("/requeue-failed", pages.RequeueFailedAsync);
        group.MapPost("/suppressions", pages.SuppressAsync);
        group.MapPost("/suppressions/remove", pages.UnsuppressAsync);
        group.MapPost("/purge", pages.PurgeAsync);
        return group;
    }
}
