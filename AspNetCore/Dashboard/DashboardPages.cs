using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TypedMail.Diagnostics;
using TypedMail.Outbox;

namespace TypedMail.AspNetCore;

/// <summary>
/// The dashboard's pages and actions: plain HTML, no scripts. Every value read from the outbox is HTML-encoded; an
/// email's own HTML is shown in a sandboxed frame that may load nothing from the network. Actions are forms that
/// <c>POST</c> with an antiforgery token, then redirect to a page that says what happened.
/// </summary>
internal sealed partial class DashboardPages
{
    private const string PageSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    // The email's HTML: no scripts, forms or plugins (sandbox), and no remote content, so opening a message fires no tracking pixel.
    private const string EmailSecurityPolicy = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

    private static readonly OutboxMessageState[] States = Enum.GetValues<OutboxMessageState>();

    private readonly DashboardDatabase _database;
    private readonly TypedMailDashboardOptions _options;
    private readonly string _prefix;
    private readonly TimeProvider _time;

    /// <param name="database">The application's context.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="prefix">The group's path without a trailing slash, such as <c>/typedmail/dashboard</c>.</param>
    /// <param name="time">The clock for "the last hour" and the purge cut-off.</param>
    public DashboardPages(DashboardDatabase database, TypedMailDashboardOptions options, string prefix, TimeProvider time)
    {
        _database = database;
        _options = options;
        _prefix = prefix;
        _time = time;
    }

    public async Task OverviewAsync(HttpContext http)
    {
        var db = _database.For(http.RequestServices);
        var overview = await DashboardQueries.OverviewAsync(db, _time.GetUtcNow().UtcDateTime, http.RequestAborted);
        var page = Start(http, "Outbox");
        page.Append("<h2>Messages by state</h2><table id=\"counts\"><thead><tr><th>State</th><th class=\"n\">Messages</th></tr></thead><tbody>");
        foreach (var state in States)
        {
            page.Append("<tr data-state=\"").Append(Name(state)).Append("\"><td><a href=\"").Append(E(StateLink(http, state))).Append("\">")
                .Append(Name(state)).Append("</a></td><td class=\"n\">").Append(Count(overview.Counts[state])).Append("</td></tr>");
        }

        page.Append("</tbody></table>");

        page.Append("<h2>Last hour</h2><table id=\"last-hour\"><tbody>")
            .Append("<tr data-stat=\"sent\"><td>Sent</td><td class=\"n\">").Append(N(overview.SentLastHour)).Append("</td></tr>")
            .Append("<tr data-stat=\"failed\"><td>Failed for good</td><td class=\"n\">").Append(N(overview.FailedLastHour)).Append("</td></tr>")
            .Append("<tr data-stat=\"attempts\"><td>Send attempts</td><td class=\"n\">").Append(N(overview.AttemptsLastHour)).Append("</td></tr>")
            .Append("<tr data-stat=\"failed-attempts\"><td>Failed attempts (to be retried or given up)</td><td class=\"n\">").Append(N(overview.FailedAttemptsLastHour)).Append("</td></tr>")
            .Append("</tbody></table>");

        if (overview.OldestPending is { } oldest)
        {
            page.Append("<p id=\"oldest\">Oldest unsent: <a href=\"").Append(E(MessageLink(http, oldest.Id))).Append("\">").Append(E(oldest.EmailType)).Append("</a>, ")
                .Append(Name(oldest.State)).Append(", enqueued ").Append(T(oldest.CreatedAt)).Append(", due ").Append(T(oldest.DueAt)).Append(".</p>");
        }

        page.Append("<h2>Actions</h2>");
        Form(http, page, "requeue-failed", Base(http) + "/requeue-failed", "Requeue every failed message", "");
        page.Append("<p class=\"meta\">Puts every failed message back in the queue, due now, with a fresh attempt budget. Recipients rejected for good (5xx) stay rejected.</p>");
        Form(http, page, "purge", Base(http) + "/purge", "Purge",
            "<label>Finished more than <input name=\"days\" type=\"number\" min=\"0\" max=\"36500\" value=\"30\" required> days ago</label> "
            + "<label><input name=\"includeFailed\" type=\"checkbox\" value=\"true\"> include failed messages</label> ");
        page.Append("<p class=\"meta\">Deletes sent messages (and failed ones if ticked) finished before the cut-off, their attempt log and unused attachment content. Queued, sending and deferred mail is never deleted.</p>");
        await Finish(http, StatusCodes.Status200OK, page);
    }

    public async Task MessagesAsync(HttpContext http)
    {
        var stateText = http.Request.Query["state"].ToString();
        if (!TryParseState(stateText, out var state))
        {
            await Error(http, StatusCodes.Status400BadRequest, $"The state '{stateText}' is not one of {string.Join(", ", States.Select(Name))}.");
            return;
        }

        MessageCursor? after = null;
        var afterText = http.Request.Query["after"].ToString();
        if (afterText.Length > 0)
        {
            if (!MessageCursor.TryParse(afterText, out var cursor))
            {
                await Error(http, StatusCodes.Status400BadRequest, $"The page cursor 'after' is '{afterText}', which is not one this dashboard wrote.");
                return;
            }

            after = cursor;
        }

        var db = _database.For(http.RequestServices);
        var (rows, next) = await DashboardQueries.MessagesAsync(db, state, after, _options.PageSize, http.RequestAborted);
        var title = char.ToUpperInvariant(Name(state)[0]) + Name(state)[1..] + " messages";
        var page = Start(http, title);
        page.Append("<p class=\"meta\">Newest first.").Append(after is null ? "" : " <a href=\"" + E(StateLink(http, state)) + "\">Back to the newest</a>.").Append("</p>");
        page.Append("<table id=\"messages\"><thead><tr><th>Enqueued</th><th>Email</th><th>Recipient</th><th>Subject</th><th class=\"n\">Attempts</th>")
            .Append(state is OutboxMessageState.Failed or OutboxMessageState.Deferred ? "<th>Last error</th>" : "")
            .Append(state is OutboxMessageState.Failed or OutboxMessageState.Deferred ? "<th></th>" : "")
            .Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            page.Append("<tr data-id=\"").Append(row.Id).Append("\"><td class=\"time\">").Append(T(row.CreatedAt)).Append("</td><td class=\"type\"><a href=\"")
                .Append(E(MessageLink(http, row.Id))).Append("\" title=\"").Append(E(row.EmailType)).Append("\">").Append(E(ShortName(row.EmailType))).Append("</a>");
            if (row.Culture.Length > 0)
            {
                page.Append(" <span class=\"tag culture\">").Append(E(row.Culture)).Append("</span>");
            }

            foreach (var tag in Tags(row.Tags))
            {
                page.Append(" <span class=\"tag\">").Append(E(tag)).Append("</span>");
            }

            page.Append("</td><td class=\"recipient\">").Append(E(row.FirstRecipient ?? ""))
                .Append(row.Recipients > 1 ? " <span class=\"meta\">+" + N(row.Recipients - 1) + "</span>" : "")
                .Append("</td><td class=\"subject\">").Append(E(row.Subject)).Append("</td><td class=\"n\">").Append(N(row.Attempts)).Append("</td>");
            if (state is OutboxMessageState.Failed or OutboxMessageState.Deferred)
            {
                page.Append("<td class=\"error\">").Append(E(Shorten(row.LastError ?? "", 300))).Append("</td><td>");
                Form(http, page, "retry", MessageLink(http, row.Id) + "/retry", "Retry", "");
                page.Append("</td>");
            }

            page.Append("</tr>");
        }

        page.Append("</tbody></table>");
        if (rows.Count == 0)
        {
            page.Append("<p id=\"empty\">No ").Append(Name(state)).Append(" messages.</p>");
        }

        if (next is { } n)
        {
            page.Append("<p><a id=\"older\" href=\"").Append(E(StateLink(http, state) + "&after=" + Uri.EscapeDataString(n.ToString()))).Append("\">Older messages</a></p>");
        }

        await Finish(http, StatusCodes.Status200OK, page);
    }

    public async Task MessageAsync(HttpContext http, Guid id)
    {
        var db = _database.For(http.RequestServices);
        var m = await DashboardQueries.MessageAsync(db, id, http.RequestAborted);
        if (m is null)
        {
            await Error(http, StatusCodes.Status404NotFound, $"No message has the id {id}: it may have been purged.");
            return;
        }

        var page = Start(http, m.Subject.Length == 0 ? "(no subject)" : m.Subject);
        page.Append("<table id=\"headers\"><tbody>");
        void Row(string name, string? value, string key)
        {
            if (value is not null)
            {
                page.Append("<tr data-field=\"").Append(key).Append("\"><th>").Append(name).Append("</th><td>").Append(E(value)).Append("</td></tr>");
            }
        }

        Row("State", Name(m.State), "state");
        Row("Email type", m.EmailType, "email-type");
        Row("Culture", m.Culture.Length == 0 ? "invariant" : m.Culture, "culture");
        Row("Tags", m.Tags?.Replace(",", ", ", StringComparison.Ordinal), "tags");
        Row("Category", m.Category, "category");
        Row("From", m.From, "from");
        Row("Reply-To", m.ReplyTo, "reply-to");
        Row("Subject", m.Subject, "subject");
        Row("Message-ID", "<" + m.MessageId + ">", "message-id");
        Row("Outbox id", m.Id.ToString(), "id");
        Row("Enqueued", T(m.CreatedAt), "created");
        Row("Due", T(m.DueAt), "due");
        Row("Sent", m.SentAt is { } sent ? T(sent) : null, "sent");
        Row("Failed", m.FailedAt is { } failed ? T(failed) : null, "failed");
        Row("Attempts", N(m.AttemptsBefore + m.AttemptCount), "attempts");
        Row("Priority", m.Priority.ToString(CultureInfo.InvariantCulture), "priority");
        Row("Transport", m.Transport, "transport");
        Row("Idempotency key", m.IdempotencyKey, "idempotency-key");
        Row("Lease", m.LeaseOwner is null ? null : m.LeaseOwner + " until " + (m.LeaseExpiresAt is { } lease ? T(lease) : "?"), "lease");
        Row("Last error", m.LastError, "last-error");
        page.Append("</tbody></table>");

        if (m.State is OutboxMessageState.Failed or OutboxMessageState.Deferred)
        {
            Form(http, page, "retry", MessageLink(http, m.Id) + "/retry", "Retry now", "");
        }

        page.Append("<h2>Recipients</h2><table id=\"recipients\"><thead><tr><th>Kind</th><th>Address</th><th>State</th><th>Last reply</th><th></th></tr></thead><tbody>");
        foreach (var r in m.Recipients.OrderBy(r => r.Id))
        {
            page.Append("<tr><td>").Append(r.Kind).Append("</td><td class=\"address\">").Append(E(r.Address)).Append("</td><td class=\"state\">").Append(r.State)
                .Append("</td><td>").Append(E(Reply(r.ReplyCode, r.EnhancedStatus, r.ReplyText))).Append("</td><td>");
            if (EmailAddress.TryParse(r.Address, out var address))
            {
                Form(http, page, "suppress", Base(http) + "/suppressions", "Suppress",
                    Hidden("address", address!.Address) + Hidden("reason", "suppressed from the dashboard, message " + m.Id));
            }

            page.Append("</td></tr>");
        }

        page.Append("</tbody></table>");

        page.Append("<h2>Attempts</h2>");
        if (m.Attempts.Count == 0)
        {
            page.Append("<p id=\"no-attempts\">No attempts yet.</p>");
        }
        else
        {
            page.Append("<table id=\"attempts\"><thead><tr><th>#</th><th>Started</th><th class=\"n\">Duration</th><th>Transport</th><th>Dispatcher</th><th>Outcome</th><th>Reply or error</th></tr></thead><tbody>");
            foreach (var a in m.Attempts.OrderBy(a => a.Number).ThenBy(a => a.Id))
            {
                page.Append("<tr><td>").Append(a.Number.ToString(CultureInfo.InvariantCulture)).Append("</td><td class=\"time\">").Append(T(a.StartedAt))
                    .Append("</td><td class=\"n\">").Append(a.DurationMs.ToString("0.#", CultureInfo.InvariantCulture)).Append(" ms</td><td>").Append(E(a.Transport))
                    .Append("</td><td>").Append(E(a.Dispatcher)).Append("</td><td class=\"outcome\">").Append(a.Outcome).Append("</td><td>")
                    .Append(E(a.Error ?? Reply(a.ReplyCode, a.EnhancedStatus, a.ReplyText))).Append("</td></tr>");
            }

            page.Append("</tbody></table>");
        }

        if (m.Attachments.Count > 0)
        {
            page.Append("<h2>Attachments</h2><ul id=\"attachments\">");
            foreach (var a in m.Attachments.OrderBy(a => a.Position))
            {
                page.Append("<li>").Append(E(a.FileName)).Append(" <span class=\"meta\">").Append(E(a.ContentType)).Append("</span></li>");
            }

            page.Append("</ul>");
        }

        page.Append("<h2>HTML</h2>");
        if (m.HtmlBody is null)
        {
            page.Append("<p class=\"meta\">No HTML body.</p>");
        }
        else
        {
            page.Append("<iframe id=\"html-body\" title=\"HTML body\" sandbox=\"\" src=\"").Append(E(MessageLink(http, m.Id) + "/html")).Append("\"></iframe>");
        }

        page.Append("<h2>Text</h2>");
        page.Append(m.TextBody is null ? "<p class=\"meta\">No text body.</p>" : "<pre id=\"text-body\">" + E(m.TextBody) + "</pre>");
        await Finish(http, StatusCodes.Status200OK, page);
    }

    public async Task HtmlAsync(HttpContext http, Guid id)
    {
        var html = await DashboardQueries.HtmlBodyAsync(_database.For(http.RequestServices), id, http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = EmailSecurityPolicy;
        if (html is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted);
    }

    public async Task SuppressionsAsync(HttpContext http)
    {
        var after = http.Request.Query["after"].ToString();
        var db = _database.For(http.RequestServices);
        var (rows, next) = await DashboardQueries.SuppressionsAsync(db, after.Length == 0 ? null : after, _options.PageSize, http.RequestAborted);
        var page = Start(http, "Suppressed addresses");
        page.Append("<p class=\"meta\">Mail is never sent to these addresses; pending recipients with them are suppressed at their next dispatch.</p>");
        Form(http, page, "add-suppression", Base(http) + "/suppressions", "Suppress",
            "<label>Address <input name=\"address\" type=\"email\" required></label> <label>Reason <input name=\"reason\" maxlength=\"1000\"></label> ");
        page.Append("<table id=\"suppressions\"><thead><tr><th>Address</th><th>Reason</th><th>Since</th><th></th></tr></thead><tbody>");
        foreach (var row in rows)
        {
            page.Append("<tr><td class=\"address\">").Append(E(row.Address)).Append("</td><td>").Append(E(row.Reason ?? "")).Append("</td><td class=\"time\">")
                .Append(T(row.CreatedAt)).Append("</td><td>");
            Form(http, page, "unsuppress", Base(http) + "/suppressions/remove", "Unsuppress", Hidden("address", row.Address));
            page.Append("</td></tr>");
        }

        page.Append("</tbody></table>");
        if (rows.Count == 0)
        {
            page.Append("<p id=\"empty\">No suppressed addresses").Append(after.Length == 0 ? "." : " after this point.").Append("</p>");
        }

        if (next is not null)
        {
            page.Append("<p><a id=\"more\" href=\"").Append(E(Base(http) + "/suppressions?after=" + Uri.EscapeDataString(next))).Append("\">More</a></p>");
        }

        await Finish(http, StatusCodes.Status200OK, page);
    }

    public async Task RetryAsync(HttpContext http, Guid id)
    {
        if (!await ValidateAsync(http))
        {
            return;
        }

        var requeued = await OutboxMaintenance.RequeueAsync(_database.For(http.RequestServices), id, http.RequestAborted);
        Log.Retried(Logger(http), Operator(http), id, requeued);
        Redirect(http, MessageLink(http, id) + (requeued ? "?notice=retried" : "?notice=not-retried"));
    }

    public async Task RequeueFailedAsync(HttpContext http)
    {
        if (!await ValidateAsync(http))
        {
            return;
        }

        var requeued = await OutboxMaintenance.RequeueFailedAsync(_database.For(http.RequestServices), http.RequestAborted);
        Log.RequeuedFailed(Logger(http), Operator(http), requeued);
        Redirect(http, Base(http) + "/?notice=requeued&count=" + N(requeued));
    }

    public async Task SuppressAsync(HttpContext http)
    {
        if (!await ValidateAsync(http))
        {
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var text = form["address"].ToString();
        if (!EmailAddress.TryParse(text, out var address))
        {
            await Error(http, StatusCodes.Status400BadRequest, $"The address '{text}' is not an email address.");
            return;
        }

        var reason = form["reason"].ToString();
        if (reason.Length > 1000)
        {
            await Error(http, StatusCodes.Status400BadRequest, $"The reason is {N(reason.Length)} characters long; the limit is 1,000.");
            return;
        }

        await OutboxMaintenance.SuppressAsync(_database.For(http.RequestServices), address!, reason.Length == 0 ? null : reason, http.RequestAborted);
        Log.Suppressed(Logger(http), Operator(http), OutboxSuppression.Normalize(address!));
        Redirect(http, Base(http) + "/suppressions?notice=suppressed");
    }

    public async Task UnsuppressAsync(HttpContext http)
    {
        if (!await ValidateAsync(http))
        {
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var text = form["address"].ToString();
        if (!EmailAddress.TryParse(text, out var address))
        {
            await Error(http, StatusCodes.Status400BadRequest, $"The address '{text}' is not an email address.");
            return;
        }

        var removed = await OutboxMaintenance.UnsuppressAsync(_database.For(http.RequestServices), address!, http.RequestAborted);
        Log.Unsuppressed(Logger(http), Operator(http), OutboxSuppression.Normalize(address!), removed);
        Redirect(http, Base(http) + "/suppressions?notice=" + (removed ? "unsuppressed" : "not-suppressed"));
    }

    public async Task PurgeAsync(HttpContext http)
    {
        if (!await ValidateAsync(http))
        {
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var daysText = form["days"].ToString();
        if (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days > 36500)
        {
            await Error(http, StatusCodes.Status400BadRequest, $"The number of days is '{daysText}': give a whole number from 0 to 36500.");
            return;
        }

        var includeFailed = form["includeFailed"].ToString() == "true";
        var cutoff = _time.GetUtcNow().AddDays(-days);
        var result = await OutboxMaintenance.PurgeAsync(_database.For(http.RequestServices), cutoff, includeFailed, http.RequestAborted);
        Log.Purged(Logger(http), Operator(http), cutoff, includeFailed, result.Messages, result.Attempts, result.Blobs);
        Redirect(http, Base(http) + "/?notice=purged&count=" + N(result.Messages) + "&attempts=" + N(result.Attempts) + "&blobs=" + N(result.Blobs));
    }

    /// <summary>Checks the form's antiforgery token; a missing or forged one gets a 400 page and changes nothing.</summary>
    private async Task<bool> ValidateAsync(HttpContext http)
    {
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            return true;
        }
        catch (AntiforgeryValidationException ex)
        {
            Log.Forged(Logger(http), Operator(http), http.Request.Path, ex);
            await Error(http, StatusCodes.Status400BadRequest, "This form's antiforgery token is missing or not valid, so nothing was changed. Reload the page and try again.");
            return false;
        }
    }

    /// <summary>The page head, the navigation and the notice an action redirected with.</summary>
    private StringBuilder Start(HttpContext http, string title)
    {
        var page = new StringBuilder(8192);
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>").Append(E(title))
            .Append(" - TypedMail</title><style>")
            .Append("body{font:14px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1f2328}")
            .Append("table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}")
            .Append("td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}nav{margin-bottom:1rem}nav a{margin-right:1rem}.meta{color:#59636e}")
            .Append(".time{white-space:nowrap}.error{color:#d1242f;min-width:16rem;overflow-wrap:break-word}")
            .Append(".tag{display:inline-block;background:#ddf4ff;border-radius:1em;padding:0 .5em;font-size:12px}.culture{background:#fff8c5}")
            .Append("form{display:inline-block;margin:0 .5rem .5rem 0}#notice{background:#dafbe1;border:1px solid #4ac26b;padding:.5rem .8rem}")
            .Append("#problem{background:#ffebe9;border:1px solid #ff8182;padding:.5rem .8rem}")
            .Append("iframe{width:100%;height:28rem;border:1px solid #d0d7de;background:#fff}")
            .Append("pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.8rem;overflow:auto;white-space:pre-wrap}")
            .Append("</style></head><body><nav><a href=\"").Append(E(Base(http) + "/")).Append("\">Overview</a>");
        foreach (var state in new[] { OutboxMessageState.Failed, OutboxMessageState.Deferred, OutboxMessageState.Queued, OutboxMessageState.Sending, OutboxMessageState.Sent })
        {
            page.Append("<a href=\"").Append(E(StateLink(http, state))).Append("\">").Append(char.ToUpperInvariant(Name(state)[0])).Append(Name(state)[1..]).Append("</a>");
        }

        page.Append("<a href=\"").Append(E(Base(http) + "/suppressions")).Append("\">Suppressed addresses</a></nav><h1>").Append(E(title)).Append("</h1>");
        if (Notice(http.Request.Query) is { } notice)
        {
            page.Append("<p id=\"notice\">").Append(E(notice)).Append("</p>");
        }

        return page;
    }

    /// <summary>What an action did, from the fixed notices it redirects with (never free text from the query).</summary>
    private static string? Notice(IQueryCollection query)
    {
        string Count(string key) => long.TryParse(query[key].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? N(n) : "0";
        return query["notice"].ToString() switch
        {
            "retried" => "Requeued: the message is due now.",
            "not-retried" => "Nothing changed: only failed or deferred messages can be retried.",
            "requeued" => $"Requeued {Count("count")} failed message(s).",
            "suppressed" => "The address is suppressed.",
            "unsuppressed" => "The address is no longer suppressed.",
            "not-suppressed" => "Nothing changed: the address was not suppressed.",
            "purged" => $"Purged {Count("count")} message(s), {Count("attempts")} older attempt record(s) and {Count("blobs")} unused attachment(s).",
            _ => null,
        };
    }

    private static async Task Finish(HttpContext http, int status, StringBuilder page)
    {
        page.Append("</body></html>");
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentSecurityPolicy = PageSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        await http.Response.WriteAsync(page.ToString(), Encoding.UTF8, http.RequestAborted);
    }

    private Task Error(HttpContext http, int status, string message)
    {
        var page = Start(http, "TypedMail dashboard");
        page.Append("<p id=\"problem\">").Append(E(message)).Append("</p>");
        return Finish(http, status, page);
    }

    /// <summary>A form that posts to <paramref name="action"/> with the antiforgery token, <paramref name="fields"/> (already encoded) and a button.</summary>
    private static void Form(HttpContext http, StringBuilder page, string cssClass, string action, string button, string fields)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        page.Append("<form class=\"").Append(cssClass).Append("\" method=\"post\" action=\"").Append(E(action)).Append("\">")
            .Append(Hidden(tokens.FormFieldName, tokens.RequestToken!)).Append(fields).Append("<button type=\"submit\">").Append(E(button)).Append("</button></form>");
    }

    private static string Hidden(string name, string value) => "<input type=\"hidden\" name=\"" + E(name) + "\" value=\"" + E(value) + "\">";

    private static void Redirect(HttpContext http, string location)
    {
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = location;
    }

    private string Base(HttpContext http) => http.Request.PathBase + _prefix;

    private string MessageLink(HttpContext http, Guid id) => Base(http) + "/messages/" + id.ToString();

    private string StateLink(HttpContext http, OutboxMessageState state) => Base(http) + "/messages?state=" + Name(state);

    private static bool TryParseState(string text, out OutboxMessageState state)
    {
        foreach (var candidate in States)
        {
            if (Name(candidate) == text)
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    private static IEnumerable<string> Tags(string? tags) => tags is null ? [] : tags.Split(',');

    private static string Reply(int? code, string? enhanced, string? text)
        => string.Join(" ", new[] { code?.ToString(CultureInfo.InvariantCulture), enhanced, text }.Where(s => s is not null));

    /// <summary>The type's name without its namespace (the full name is in the link's title and on the message page).</summary>
    private static string ShortName(string emailType) => emailType[(emailType.LastIndexOf('.') + 1)..];

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    private static string Operator(HttpContext http) => http.User.Identity?.Name ?? "anonymous";

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TypedMail.Dashboard");

    private static string Name(OutboxMessageState state) => OutboxStatus.NameOf(state);

    private static string Count(long n) => n > DashboardQueries.CountLimit ? N(DashboardQueries.CountLimit) + "+" : N(n);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string T(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Operator} retried message {Id} from the dashboard; requeued: {Requeued}")]
        public static partial void Retried(ILogger logger, string @operator, Guid id, bool requeued);

        [LoggerMessage(2, LogLevel.Information, "{Operator} requeued {Count} failed message(s) from the dashboard")]
        public static partial void RequeuedFailed(ILogger logger, string @operator, int count);

        [LoggerMessage(3, LogLevel.Information, "{Operator} suppressed {Address} from the dashboard")]
        public static partial void Suppressed(ILogger logger, string @operator, string address);

        [LoggerMessage(4, LogLevel.Information, "{Operator} unsuppressed {Address} from the dashboard; was suppressed: {Removed}")]
        public static partial void Unsuppressed(ILogger logger, string @operator, string address, bool removed);

        [LoggerMessage(5, LogLevel.Information, "{Operator} purged mail finished before {Cutoff} (failed too: {IncludeFailed}) from the dashboard: {Messages} messages, {Attempts} attempts, {Blobs} blobs")]
        public static partial void Purged(ILogger logger, string @operator, DateTimeOffset cutoff, bool includeFailed, int messages, int attempts, int blobs);

        [LoggerMessage(6, LogLevel.Warning, "Refused a dashboard POST to {Path} by {Operator}: missing or invalid antiforgery token")]
        public static partial void Forged(ILogger logger, string @operator, PathString path, Exception exception);
    }
}
