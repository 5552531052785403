using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TypedMail;
using WebApp;
using WebApp.Emails;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDbContextFactory<ShopContext>(o => o.UseSqlite(builder.Configuration.GetConnectionString("Shop")));

// The dispatcher runs as a hosted service; transport, retry policy and sender come from the "TypedMail" section.
builder.Services.AddTypedMail<ShopContext>(builder.Configuration.GetSection("TypedMail"));
builder.Services.AddHealthChecks().AddTypedMail();
if (builder.Environment.IsDevelopment())
{
    // The operators' dashboard (retry, suppress, purge), open to anyone on a development machine only. In production,
    // name the authorization policy operators must satisfy instead: o.AuthorizationPolicy = "MailOperators".
    builder.Services.AddTypedMailDashboard<ShopContext>(o => o.AllowAnonymous = true);
}

var app = builder.Build();
await using (var db = await app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContextAsync())
{
    // The schema, the outbox's tables included, comes from the migrations in Migrations/ (dotnet ef migrations add).
    await db.Database.MigrateAsync();
}

// The request's Accept-Language sets CurrentUICulture, which Enqueue uses to pick the email's culture variant
// (OrderConfirmationEmail.fr.*.scriban for French, the neutral English templates otherwise).
app.UseRequestLocalization(o => o.SetDefaultCulture("en").AddSupportedCultures("en", "fr").AddSupportedUICultures("en", "fr"));

// Places an order; its confirmation email is queued in the same transaction, so both commit or neither does.
app.MapPost("/orders", async (PlaceOrder request, ShopContext db) =>
{
    await using var transaction = await db.Database.BeginTransactionAsync();
    var order = new Order { Number = request.Number, CustomerName = request.CustomerName, CustomerEmail = request.CustomerEmail, Total = request.Total };
    db.Orders.Add(order);
    var queued = db.Emails().Enqueue(new OrderConfirmationEmail(order.CustomerName, order.Number, order.Total), to: new EmailAddress(order.CustomerEmail, order.CustomerName));
    await db.SaveChangesAsync();
    await transaction.CommitAsync();
    return Results.Created($"/orders/{order.Id}", new { order.Id, EmailId = queued.Id });
});

// Queues a newsletter. It carries a one-click unsubscribe link; an unsubscribed address is never sent another one.
app.MapPost("/newsletter", async (SendNewsletter request, ShopContext db) =>
{
    var queued = db.Emails().Enqueue(new NewsletterEmail(request.Name), to: new EmailAddress(request.Email, request.Name));
    await db.SaveChangesAsync();
    return Results.Accepted(value: new { EmailId = queued.Id });
});

// The endpoint List-Unsubscribe points to (TypedMail:Unsubscribe:Url).
app.MapTypedMailUnsubscribe<ShopContext>();
app.MapHealthChecks("/health");
if (app.Environment.IsDevelopment())
{
    app.MapEmailPreviews();
    app.MapTypedMailDashboard();
}

app.Run();

public sealed record PlaceOrder(string Number, string CustomerName, string CustomerEmail, decimal Total);

public sealed record SendNewsletter(string Name, string Email);
