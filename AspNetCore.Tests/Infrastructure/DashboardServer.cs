using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.AspNetCore.Tests.Infrastructure;

/// <summary>The application's context: its own model plus the outbox.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 serving the dashboard for a fresh SQLite file (or a PostgreSQL database), in the
/// Production environment. Requests carrying <c>X-Operator: name</c> are authenticated as that operator, in the
/// <c>ops</c> role unless the name is <c>viewer</c>; the dashboard requires the <c>Operators</c> policy (that role)
/// unless the server allows anonymous access.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public const string Path = "/typedmail/dashboard";

    private readonly WebApplication _app;
    private readonly string? _folder;
    private readonly CancellationTokenSource _stop = new();
    private Task? _dispatching;

    private DashboardServer(WebApplication app, Uri baseAddress, string? folder)
    {
        _app = app;
        BaseAddress = baseAddress;
        _folder = folder;
    }

    public Uri BaseAddress { get; }

    public Uri Dashboard => new(BaseAddress, Path + "/");

    public FlakyTransport Transport { get; } = new();

    public static Task<DashboardServer> StartAsync(bool allowAnonymous = false, int pageSize = 50)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "typedmail-dashboard-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var connectionString = $"Data Source={System.IO.Path.Combine(folder, "shop.db")};Pooling=False;Default Timeout=30";
        return StartAsync(o => o.UseSqlite(connectionString), allowAnonymous, pageSize, folder);
    }

    public static Task<DashboardServer> StartPostgreSqlAsync(string connectionString, int pageSize) => StartAsync(o => o.UseNpgsql(connectionString), false, pageSize, null);

    private static async Task<DashboardServer> StartAsync(Action<DbContextOptionsBuilder> provider, bool allowAnonymous, int pageSize, string? folder)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddDbContextFactory<ShopContext>(o => provider(o.UseTypedMail(t => t.DefaultFrom = "Shop <shop@example.com>")));
        builder.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy("Operators", p => p.RequireAuthenticatedUser().RequireRole("ops")));
        builder.Services.AddTypedMailDashboard<ShopContext>(o =>
        {
            o.PageSize = pageSize;
            if (allowAnonymous)
            {
                o.AllowAnonymous = true;
            }
            else
            {
                o.AuthorizationPolicy = "Operators";
            }
        });
        var app = builder.Build();
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContextAsync())
        {
            await db.Database.EnsureCreatedAsync();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.MapTypedMailDashboard();
        await app.StartAsync();
        return new DashboardServer(app, new Uri($"http://127.0.0.1:{port}"), folder);
    }

    public ShopContext CreateDbContext() => _app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContext();

    /// <summary>A real dispatcher over <see cref="Transport"/>: one attempt per message, polling every 100 ms.</summary>
    public void StartDispatcher()
    {
        var dispatcher = new OutboxDispatcher<ShopContext>(
            _app.Services.GetRequiredService<IDbContextFactory<ShopContext>>(),
            Transport,
            new DispatcherOptions { MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(100), TransportDownCooldown = TimeSpan.FromMilliseconds(1) });
        _dispatching = dispatcher.RunAsync(_stop.Token);
    }

    /// <summary>A client that keeps cookies, authenticated as <paramref name="operatorName"/> (none: anonymous).</summary>
    public HttpClient Client(string? operatorName = "ada")
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        if (operatorName is not null)
        {
            client.DefaultRequestHeaders.Add(HeaderAuthentication.Header, operatorName);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_dispatching is not null)
        {
            try
            {
                await _dispatching;
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
        SqliteConnection.ClearAllPools();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>Authenticates a request by its <c>X-Operator</c> header: enough to tell anonymous, viewers and operators apart.</summary>
public sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Header";
    public const string Header = "X-Operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var name = Request.Headers[Header].ToString();
        if (name.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        if (name != "viewer")
        {
            claims.Add(new Claim(ClaimTypes.Role, "ops"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

/// <summary>A transport that fails its first <see cref="FailuresLeft"/> messages for now (451), then accepts everything.</summary>
public sealed class FlakyTransport : IEmailTransport
{
    public static readonly TransportReply Ok = new(250, "2.0.0", "OK");

    private int _failuresLeft;

    public string Name => "flaky";

    public int FailuresLeft { get => Volatile.Read(ref _failuresLeft); set => Volatile.Write(ref _failuresLeft, value); }

    public TransportReply Failure { get; set; } = new(451, "4.3.0", "Mail server temporarily rejected message");

    public ConcurrentQueue<OutgoingEmail> Accepted { get; } = new();

    public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        var results = new List<SendResult>();
        foreach (var email in batch)
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                results.Add(new SendResult(
                    DeliveryStatus.TransientFailure, Failure, email.Recipients.Select(r => new RecipientResult(r, DeliveryStatus.TransientFailure, Failure)).ToList()));
            }
            else
            {
                Interlocked.Exchange(ref _failuresLeft, 0);
                Accepted.Enqueue(email);
                results.Add(SendResult.AcceptedForAll(email, Ok));
            }
        }

        return Task.FromResult<IReadOnlyList<SendResult>>(results);
    }
}

/// <summary>Reads the antiforgery token out of a dashboard page's form.</summary>
public static partial class Forms
{
    public static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(path);
        var match = TokenField().Match(page);
        Assert.True(match.Success, $"{path} has no form with an antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, params (string Name, string Value)[] fields)
        => client.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
