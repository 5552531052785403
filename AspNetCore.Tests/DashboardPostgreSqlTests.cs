using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.AspNetCore.Tests.Infrastructure;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.AspNetCore.Tests;

/// <summary>The dashboard's queries and actions on PostgreSQL (uuid ordering, timestamptz), on a private cluster.</summary>
public sealed partial class DashboardPostgreSqlTests : IDisposable
{
    private readonly PostgresCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Overview_keyset_pages_detail_and_retry_work_on_PostgreSQL()
    {
        await using var server = await DashboardServer.StartPostgreSqlAsync(_cluster.ConnectionString(_cluster.CreateDatabase()), pageSize: 2);
        var failed = await server.EnqueueFailedAsync("Ada <ada@example.com>", "451 4.3.0 try later");
        var queued = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            queued.Add(await server.EnqueueAsync($"user{i}@example.com"));
        }

        await using (var db = server.CreateDbContext())
        {
            var tie = DateTime.UtcNow.AddMinutes(-1);
            await db.Set<OutboxMessage>().Where(m => queued.Take(3).Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.CreatedAt, tie));
        }

        using var client = server.Client();
        var overview = await client.GetStringAsync(DashboardServer.Path + "/");
        Assert.Matches("<tr data-state=\"queued\">.*?<td class=\"n\">5</td>", overview);
        Assert.Matches("<tr data-state=\"failed\">.*?<td class=\"n\">1</td>", overview);

        var seen = new List<Guid>();
        string? path = DashboardServer.Path + "/messages?state=queued";
        while (path is not null)
        {
            var page = await client.GetStringAsync(path);
            seen.AddRange(RowId().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value)));
            var older = OlderLink().Match(page);
            path = older.Success ? WebUtility.HtmlDecode(older.Groups[1].Value) : null;
        }

        await using (var db = server.CreateDbContext())
        {
            var expected = await db.Set<OutboxMessage>().Where(m => m.State == OutboxMessageState.Queued)
                .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Select(m => m.Id).ToListAsync();
            Assert.Equal(expected, seen);
        }

        Assert.Contains("<tr data-field=\"last-error\"><th>Last error</th><td>451 4.3.0 try later</td></tr>", await client.GetStringAsync($"{DashboardServer.Path}/messages/{failed}"));
        var token = await Forms.TokenAsync(client, $"{DashboardServer.Path}/messages/{failed}");
        var retry = await Forms.PostAsync(client, $"{DashboardServer.Path}/messages/{failed}/retry", ("__RequestVerificationToken", token));
        Assert.Equal(HttpStatusCode.SeeOther, retry.StatusCode);
        Assert.Equal(OutboxMessageState.Queued, await server.StateAsync(failed));
    }

    [GeneratedRegex("<tr data-id=\"([0-9a-f-]{36})\">")]
    private static partial Regex RowId();

    [GeneratedRegex("<a id=\"older\" href=\"([^\"]+)\">")]
    private static partial Regex OlderLink();
}
