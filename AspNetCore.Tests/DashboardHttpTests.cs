using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedMail.AspNetCore.Tests.Emails;
using TypedMail.AspNetCore.Tests.Infrastructure;
using TypedMail.Outbox;

namespace TypedMail.AspNetCore.Tests;

/// <summary>The dashboard over HTTP on SQLite: who may open it, forged posts, escaping, the actions and paging.</summary>
public sealed partial class DashboardHttpTests : IAsyncLifetime
{
    private const string Hostile = "<script>alert(1)</script>";
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync(pageSize: 3);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Anonymous_requests_are_refused_and_change_nothing()
    {
        var id = await _server.EnqueueFailedAsync("ada@example.com", "451 4.3.0 try later");
        using var anonymous = _server.Client(operatorName: null);
        foreach (var path in new[] { "/", "/messages?state=failed", $"/messages/{id}", $"/messages/{id}/html", "/suppressions" })
        {
            var response = await anonymous.GetAsync(DashboardServer.Path + path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var post = await Forms.PostAsync(anonymous, $"{DashboardServer.Path}/messages/{id}/retry");
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal(OutboxMessageState.Failed, await _server.StateAsync(id));

        // Authenticated but outside the policy.
        using var viewer = _server.Client("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(DashboardServer.Path + "/")).StatusCode);

        using var operatorClient = _server.Client();
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync(DashboardServer.Path + "/")).StatusCode);
    }

    [Fact]
    public async Task A_post_without_a_valid_antiforgery_token_is_refused_and_changes_nothing()
    {
        var id = await _server.EnqueueFailedAsync("ada@example.com", "451 4.3.0 try later");
        using var client = _server.Client();
        var retry = $"{DashboardServer.Path}/messages/{id}/retry";

        var missing = await Forms.PostAsync(client, retry);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("antiforgery token is missing or not valid", await missing.Content.ReadAsStringAsync());

        var forged = await Forms.PostAsync(client, retry, ("__RequestVerificationToken", "CfDJ8forged"));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // A real token, but issued to another browser (its cookie is not sent here): what a cross-site form would carry.
        using var other = _server.Client();
        var stolen = await Forms.TokenAsync(other, $"{DashboardServer.Path}/messages/{id}");
        var crossSite = await Forms.PostAsync(client, retry, ("__RequestVerificationToken", stolen));
        Assert.Equal(HttpStatusCode.BadRequest, crossSite.StatusCode);
        Assert.Equal(OutboxMessageState.Failed, await _server.StateAsync(id));

        var token = await Forms.TokenAsync(client, $"{DashboardServer.Path}/messages/{id}");
        var genuine = await Forms.PostAsync(client, retry, ("__RequestVerificationToken", token));
        Assert.Equal(HttpStatusCode.SeeOther, genuine.StatusCode);
        Assert.Equal($"{DashboardServer.Path}/messages/{id}?notice=retried", genuine.Headers.Location!.OriginalString);
        Assert.Equal(OutboxMessageState.Queued, await _server.StateAsync(id));
    }

    [Fact]
    public async Task Values_from_messages_are_escaped_on_every_page()
    {
        var id = await _server.EnqueueFailedAsync($"\"{Hostile}\" <eve@example.com>", $"550 5.1.1 {Hostile}", firstName: Hostile);
        await using (var db = _server.CreateDbContext())
        {
            db.Add(new OutboxSuppression { Address = "mallory@example.com", Reason = Hostile, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        using var client = _server.Client();
        foreach (var path in new[] { "/messages?state=failed", $"/messages/{id}", "/suppressions" })
        {
            var page = await client.GetStringAsync(DashboardServer.Path + path);
            Assert.DoesNotContain("<script>", page, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page);
        }

        var response = await client.GetAsync($"{DashboardServer.Path}/messages/{id}");
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());

        // The email's own HTML is served as is (the template escaped the model), only into a sandbox that loads nothing remote.
        var html = await client.GetAsync($"{DashboardServer.Path}/messages/{id}/html");
        Assert.StartsWith("sandbox; default-src 'none'", html.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("Welcome, &lt;script&gt;", await html.Content.ReadAsStringAsync());

        // An unknown state in the query is named in the error, encoded.
        var bad = await client.GetAsync(DashboardServer.Path + "/messages?state=" + Uri.EscapeDataString(Hostile));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = await bad.Content.ReadAsStringAsync();
        Assert.Contains("The state &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; is not one of queued, sending, sent, deferred, failed.", error);
        Assert.DoesNotContain("<script>", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Overview_counts_states_and_the_last_hour_and_the_detail_page_shows_the_message()
    {
        var failed = await _server.EnqueueFailedAsync("Ada <ada@example.com>", "451 4.3.0 try later");
        await _server.EnqueueAsync("bob@example.com");
        await using (var db = _server.CreateDbContext())
        {
            var sent = await _server.EnqueueAsync("carol@example.com");
            await db.Set<OutboxMessage>().Where(m => m.Id == sent).ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxMessageState.Sent).SetProperty(m => m.SentAt, DateTime.UtcNow));
        }

        using var client = _server.Client();
        var overview = await client.GetStringAsync(DashboardServer.Path + "/");
        Assert.Equal("1", Cell(overview, "data-state=\"queued\""));
        Assert.Equal("1", Cell(overview, "data-state=\"sent\""));
        Assert.Equal("1", Cell(overview, "data-state=\"failed\""));
        Assert.Equal("0", Cell(overview, "data-state=\"deferred\""));
        Assert.Equal("1", Cell(overview, "data-stat=\"sent\""));
        Assert.Equal("1", Cell(overview, "data-stat=\"failed\""));
        Assert.Equal("1", Cell(overview, "data-stat=\"failed-attempts\""));

        var detail = await client.GetStringAsync($"{DashboardServer.Path}/messages/{failed}");
        Assert.Contains("<tr data-field=\"culture\"><th>Culture</th><td>fr</td></tr>", detail);
        Assert.Contains("<tr data-field=\"tags\"><th>Tags</th><td>welcome, trial</td></tr>", detail);
        Assert.Contains("<tr data-field=\"last-error\"><th>Last error</th><td>451 4.3.0 try later</td></tr>", detail);
        Assert.Contains("Ada &lt;ada@example.com&gt;", detail);
        Assert.Contains("<td class=\"outcome\">TransientFailure</td>", detail);
        Assert.Contains("<iframe id=\"html-body\" title=\"HTML body\" sandbox=\"\"", detail);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{DashboardServer.Path}/messages/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Counts_stop_at_the_cap_so_the_overview_never_reads_every_sent_row()
    {
        await _server.EnqueueAsync("ada@example.com");
        await using (var db = _server.CreateDbContext())
        {
            await db.Database.ExecuteSqlRawAsync("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
                INSERT INTO typedmail_messages (id, message_id, email_type, state, priority, created_at, due_at, "from", culture, subject, attempt_count, sent_at)
                SELECT printf('%08X-0000-7000-8000-000000000000', i), 'm' || i || '@example.com', 'Shop.ReceiptEmail', 2, 0,
                    '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'shop@example.com', '', 'Receipt', 1, '2026-01-01 00:00:01'
                FROM n
                """);
        }

        using var client = _server.Client();
        var overview = await client.GetStringAsync(DashboardServer.Path + "/");
        Assert.Equal("10,000+", Cell(overview, "data-state=\"sent\""));
        Assert.Equal("1", Cell(overview, "data-state=\"queued\""));
    }

    [Fact]
    public async Task Actions_retry_requeue_suppress_unsuppress_and_purge_change_the_outbox()
    {
        var first = await _server.EnqueueFailedAsync("ada@example.com", "451 4.3.0 try later");
        var second = await _server.EnqueueFailedAsync("bob@example.com", "451 4.3.0 try later");
        var third = await _server.EnqueueFailedAsync("carol@example.com", "451 4.3.0 try later");
        using var client = _server.Client();
        var token = await Forms.TokenAsync(client, DashboardServer.Path + "/");
        var field = ("__RequestVerificationToken", token);

        Assert.Equal(HttpStatusCode.SeeOther, (await Forms.PostAsync(client, $"{DashboardServer.Path}/messages/{first}/retry", field)).StatusCode);
        Assert.Equal(OutboxMessageState.Queued, await _server.StateAsync(first));
        var again = await Forms.PostAsync(client, $"{DashboardServer.Path}/messages/{first}/retry", field);
        Assert.EndsWith("?notice=not-retried", again.Headers.Location!.OriginalString);

        var requeue = await Forms.PostAsync(client, DashboardServer.Path + "/requeue-failed", field);
        Assert.Equal($"{DashboardServer.Path}/?notice=requeued&count=2", requeue.Headers.Location!.OriginalString);
        Assert.Equal(OutboxMessageState.Queued, await _server.StateAsync(second));
        Assert.Equal(OutboxMessageState.Queued, await _server.StateAsync(third));
        Assert.Contains("Requeued 2 failed message(s).", await client.GetStringAsync(requeue.Headers.Location));

        await Forms.PostAsync(client, DashboardServer.Path + "/suppressions", field, ("address", "Eve <EVE@example.com>"), ("reason", "complained"));
        await using (var db = _server.CreateDbContext())
        {
            var row = await db.Set<OutboxSuppression>().SingleAsync();
            Assert.Equal(("eve@example.com", "complained"), (row.Address, row.Reason));
        }

        var invalid = await Forms.PostAsync(client, DashboardServer.Path + "/suppressions", field, ("address", "not an address"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("The address &#39;not an address&#39; is not an email address.", await invalid.Content.ReadAsStringAsync());

        var removed = await Forms.PostAsync(client, DashboardServer.Path + "/suppressions/remove", field, ("address", "eve@example.com"));
        Assert.EndsWith("?notice=unsuppressed", removed.Headers.Location!.OriginalString);
        await using (var db = _server.CreateDbContext())
        {
            Assert.False(await db.Set<OutboxSuppression>().AnyAsync());
            await db.Set<OutboxMessage>().Where(m => m.Id == first)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxMessageState.Sent).SetProperty(m => m.SentAt, DateTime.UtcNow.AddDays(-40)));
        }

        var purge = await Forms.PostAsync(client, DashboardServer.Path + "/purge", field, ("days", "30"));
        Assert.Equal($"{DashboardServer.Path}/?notice=purged&count=1&attempts=0&blobs=0", purge.Headers.Location!.OriginalString);
        await using (var db = _server.CreateDbContext())
        {
            Assert.Equal([second, third], (await db.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Order());
        }

        var badDays = await Forms.PostAsync(client, DashboardServer.Path + "/purge", field, ("days", "-1"));
        Assert.Equal(HttpStatusCode.BadRequest, badDays.StatusCode);
        Assert.Contains("The number of days is &#39;-1&#39;", await badDays.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_walk_a_state_newest_first_with_keyset_cursors_even_when_timestamps_tie()
    {
        var ids = new Guid[7];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = await _server.EnqueueAsync($"user{i}@example.com");
        }

        // Four share one timestamp: the id breaks the tie, so none is skipped or shown twice across pages.
        await using (var db = _server.CreateDbContext())
        {
            var tie = DateTime.UtcNow.AddMinutes(-5);
            await db.Set<OutboxMessage>().Where(m => ids.Skip(2).Take(4).Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.CreatedAt, tie));
        }

        using var client = _server.Client();
        var seen = new System.Collections.Generic.List<Guid>();
        var path = DashboardServer.Path + "/messages?state=queued";
        var pages = 0;
        while (path is not null)
        {
            var page = await client.GetStringAsync(path);
            pages++;
            seen.AddRange(RowId().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value)));
            var older = OlderLink().Match(page);
            path = older.Success ? WebUtility.HtmlDecode(older.Groups[1].Value) : null;
        }

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order().ToList(), seen.Order().ToList());
        await using (var db = _server.CreateDbContext())
        {
            var expected = await db.Set<OutboxMessage>().OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Select(m => m.Id).ToListAsync();
            Assert.Equal(expected, seen);
        }

        var badCursor = await client.GetAsync(DashboardServer.Path + "/messages?state=queued&after=12-zz");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Contains("The page cursor &#39;after&#39; is &#39;12-zz&#39;", await badCursor.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Startup_refuses_a_dashboard_without_a_policy_or_with_an_unknown_one()
    {
        var none = Assert.Throws<OptionsValidationException>(() => Map(o => { }));
        Assert.Contains("TypedMailDashboardOptions.AuthorizationPolicy is not set.", none.Message);
        Assert.Contains("TypedMailDashboardOptions.AllowAnonymous = true", none.Message);

        var unknown = Assert.Throws<OptionsValidationException>(() => Map(o => o.AuthorizationPolicy = "Admins"));
        Assert.Contains("TypedMailDashboardOptions.AuthorizationPolicy is 'Admins', which is not a registered authorization policy", unknown.Message);

        var both = Assert.Throws<OptionsValidationException>(() => Map(o => { o.AuthorizationPolicy = "Operators"; o.AllowAnonymous = true; }));
        Assert.Contains("TypedMailDashboardOptions.AuthorizationPolicy is 'Operators' while TypedMailDashboardOptions.AllowAnonymous is true", both.Message);

        var size = Assert.Throws<OptionsValidationException>(() => Map(o => { o.AuthorizationPolicy = "Operators"; o.PageSize = 0; }));
        Assert.Contains("TypedMailDashboardOptions.PageSize must be 1 to 500, but is 0.", size.Message);

        var builder = WebApplication.CreateSlimBuilder();
        var app = builder.Build();
        var missing = Assert.Throws<InvalidOperationException>(() => app.MapTypedMailDashboard());
        Assert.Contains("services.AddTypedMailDashboard<TContext>", missing.Message);

        static void Map(Action<TypedMailDashboardOptions> configure)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Services.AddDbContext<ShopContext>(o => o.UseSqlite("Data Source=:memory:"));
            builder.Services.AddAuthorization(o => o.AddPolicy("Operators", p => p.RequireAuthenticatedUser()));
            builder.Services.AddTypedMailDashboard<ShopContext>(configure);
            var app = builder.Build();
            app.MapTypedMailDashboard();
        }
    }

    [Fact]
    public async Task An_explicit_opt_in_serves_anonymous_requests()
    {
        await using var open = await DashboardServer.StartAsync(allowAnonymous: true);
        using var anonymous = open.Client(operatorName: null);
        var response = await anonymous.GetAsync(DashboardServer.Path + "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The number in the row marked by <paramref name="marker"/>.</summary>
    private static string Cell(string page, string marker)
    {
        var match = Regex.Match(page, "<tr " + Regex.Escape(marker) + ">.*?<td class=\"n\">([^<]*)</td>");
        Assert.True(match.Success, $"no row {marker}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("<tr data-id=\"([0-9a-f-]{36})\">")]
    private static partial Regex RowId();

    [GeneratedRegex("<a id=\"older\" href=\"([^\"]+)\">")]
    private static partial Regex OlderLink();
}
