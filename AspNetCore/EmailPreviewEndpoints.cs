using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TypedMail;
using TypedMail.AspNetCore;
using TypedMail.Previews;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the email preview pages.</summary>
public static class EmailPreviewEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps pages that list every <c>[Email]</c> type and show each sample's subject, HTML, text and raw MIME source,
    /// and name the types that provide no sample data. For development: map them only there, as in
    /// <c>if (app.Environment.IsDevelopment()) app.MapEmailPreviews();</c>.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">Where the pages live. Default <c>/typedmail/previews</c>.</param>
    /// <param name="configure">Chooses the assemblies and the addresses shown, or <see langword="null"/>.</param>
    /// <returns>The route group, to add conventions such as authorization.</returns>
    public static RouteGroupBuilder MapEmailPreviews(this IEndpointRouteBuilder endpoints, string pattern = "/typedmail/previews", Action<EmailPreviewOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var options = new EmailPreviewOptions();
        configure?.Invoke(options);
        if (options.Assemblies.Count == 0)
        {
            options.Assemblies.Add(Assembly.GetEntryAssembly()
                ?? throw new InvalidOperationException("There is no entry assembly: name the assemblies with MapEmailPreviews(configure: o => o.Assemblies.Add(...))."));
        }

        var pages = new EmailPreviewPages(options, pattern);
        var group = endpoints.MapGroup(pattern);
        group.MapGet("/", pages.ListAsync);
        group.MapGet("/{emailType}/{sample}", pages.DetailAsync);
        group.MapGet("/{emailType}/{sample}/html", pages.HtmlAsync);
        group.MapGet("/{emailType}/{sample}/text", pages.TextAsync);
        group.MapGet("/{emailType}/{sample}/source", pages.SourceAsync);
        return group;
    }
}

/// <summary>The preview pages: plain HTML, no scripts; email HTML is shown in a sandboxed frame.</summary>
internal sealed class EmailPreviewPages
{
    private readonly EmailPreviewOptions _options;
    private readonly string _prefix;
    private readonly Lazy<IReadOnlyList<EmailDescriptor>> _emails;

    /// <param name="options">The options.</param>
    /// <param name="pattern">The group's route pattern, a literal path such as <c>/typedmail/previews</c>.</param>
    public EmailPreviewPages(EmailPreviewOptions options, string pattern)
    {
        _options = options;
        var trimmed = pattern.Trim('/');
        _prefix = trimmed.Length == 0 ? "/" : "/" + trimmed + "/";
        _emails = new Lazy<IReadOnlyList<EmailDescriptor>>(() => EmailCatalog.Read(options.Assemblies), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Task ListAsync(HttpContext http)
    {
        var emails = _emails.Value;
        var page = new StringBuilder();
        Header(page, "Email previews");
        page.Append("<h1>Email previews</h1>");
        var withSamples = emails.Where(e => e.Samples.Count > 0).ToList();
        page.Append("<table id=\"emails\"><thead><tr><th>Email</th><th>Samples</th></tr></thead><tbody>");
        foreach (var email in withSamples)
        {
            page.Append("<tr><td class=\"type\">").Append(E(email.EmailType)).Append("</td><td>");
            foreach (var sample in email.Samples)
            {
                page.Append("<a class=\"sample\" href=\"").Append(E(Link(http, email, sample))).Append("\">").Append(E(sample.Name)).Append("</a> ");
            }

            page.Append("</td></tr>");
        }

        page.Append("</tbody></table>");
        if (withSamples.Count == 0)
        {
            page.Append("<p>No email provides sample data yet.</p>");
        }

        var missing = emails.Where(e => e.Samples.Count == 0).ToList();
        if (missing.Count > 0)
        {
            page.Append("<h2>Without sample data</h2><ul id=\"missing\">");
            foreach (var email in missing)
            {
                page.Append("<li><span class=\"type\">").Append(E(email.EmailType)).Append("</span>: add a static property or method marked <code>[EmailSample]</code> that returns a <code>")
                    .Append(E(email.Type.Name)).Append("</code>.</li>");
            }

            page.Append("</ul>");
        }

        Footer(page);
        return Write(http, StatusCodes.Status200OK, "text/html; charset=utf-8", page.ToString());
    }

    public async Task DetailAsync(HttpContext http, string emailType, string sample)
    {
        if (await RenderAsync(http, emailType, sample) is not { } preview)
        {
            return;
        }

        var page = new StringBuilder();
        Header(page, preview.Rendered.Subject + " - " + emailType);
        page.Append("<p><a href=\"").Append(E(Base(http))).Append("\">All emails</a></p>");
        page.Append("<h1 id=\"subject\">").Append(E(preview.Rendered.Subject)).Append("</h1>");
        page.Append("<p class=\"meta\"><span id=\"email-type\">").Append(E(emailType)).Append("</span>, sample <span id=\"sample\">").Append(E(sample)).Append("</span></p>");
        if (preview.Email.Cultures.Count > 0)
        {
            // The culture switcher: the neutral templates and each culture with variants.
            page.Append("<nav id=\"cultures\">Culture: ");
            foreach (var culture in preview.Email.Cultures.Prepend(""))
            {
                page.Append("<a href=\"").Append(E(Link(http, emailType, sample, "", culture))).Append('"')
                    .Append(culture == preview.Culture ? " aria-current=\"page\"" : "").Append('>')
                    .Append(E(culture.Length == 0 ? "neutral" : culture)).Append("</a> ");
            }

            page.Append("</nav>");
        }

        page.Append("<nav><a href=\"#html\">HTML</a> <a href=\"#text\">Text</a> <a href=\"#source\">MIME source</a></nav>");
        page.Append("<h2 id=\"html\">HTML</h2>");
        if (preview.Rendered.HtmlBody is null)
        {
            page.Append("<p>This email has no HTML body.</p>");
        }
        else
        {
            page.Append("<iframe id=\"html-body\" title=\"HTML body\" sandbox=\"\" src=\"").Append(E(Link(http, emailType, sample, "/html", preview.Culture))).Append("\"></iframe>");
        }

        page.Append("<h2 id=\"text\">Text</h2>");
        page.Append(preview.Rendered.TextBody is null ? "<p>This email has no text body.</p>" : "<pre id=\"text-body\">" + E(preview.Rendered.TextBody) + "</pre>");
        page.Append("<h2 id=\"source\">MIME source</h2><pre id=\"mime-source\">").Append(E(preview.Source)).Append("</pre>");
        Footer(page);
        await Write(http, StatusCodes.Status200OK, "text/html; charset=utf-8", page.ToString());
    }

    public async Task HtmlAsync(HttpContext http, string emailType, string sample)
    {
        if (await RenderAsync(http, emailType, sample) is { } preview)
        {
            // The email's own HTML, shown in a sandboxed frame: no scripts, no forms, even when opened directly.
            http.Response.Headers.ContentSecurityPolicy = "sandbox";
            await Write(http, StatusCodes.Status200OK, "text/html; charset=utf-8", preview.Rendered.HtmlBody ?? "");
        }
    }

    public async Task TextAsync(HttpContext http, string emailType, string sample)
    {
        if (await RenderAsync(http, emailType, sample) is { } preview)
        {
            await Write(http, StatusCodes.Status200OK, "text/plain; charset=utf-8", preview.Rendered.TextBody ?? "");
        }
    }

    public async Task SourceAsync(HttpContext http, string emailType, string sample)
    {
        if (await RenderAsync(http, emailType, sample) is { } preview)
        {
            await Write(http, StatusCodes.Status200OK, "text/plain; charset=utf-8", preview.Source);
        }
    }

    /// <summary>Renders a sample and its MIME source; writes a 404 or 500 page and returns null when it cannot.</summary>
    private async Task<Preview?> RenderAsync(HttpContext http, string emailType, string sampleName)
    {
        var email = _emails.Value.FirstOrDefault(e => e.EmailType == emailType);
        var sample = email?.Samples.FirstOrDefault(s => s.Name == sampleName);
        if (email is null || sample is null)
        {
            var why = email is null ? $"No email type '{emailType}'." : $"'{emailType}' has no sample '{sampleName}'.";
            await Error(http, StatusCodes.Status404NotFound, why);
            return null;
        }

        var culture = http.Request.Query["culture"].ToString();
        if (culture.Length > 0 && !email.Cultures.Contains(culture, StringComparer.Ordinal))
        {
            var cultures = email.Cultures.Count == 0 ? "it has none" : "it has " + string.Join(", ", email.Cultures);
            await Error(http, StatusCodes.Status404NotFound, $"'{emailType}' has no templates for culture '{culture}': {cultures}.");
            return null;
        }

        RenderedEmail rendered;
        try
        {
            rendered = sample.Render(culture.Length == 0 ? null : CultureInfo.GetCultureInfo(culture));
        }
        catch (Exception ex)
        {
            // The sample is user code: show what it threw instead of a bare 500.
            await Error(http, StatusCodes.Status500InternalServerError, $"The sample {emailType}.{sampleName} threw {ex.GetType().FullName}: {ex.Message}");
            return null;
        }

        var message = new EmailMessage
        {
            From = _options.From,
            To = [_options.To],
            Subject = rendered.Subject,
            Date = DateTimeOffset.UtcNow,
            MessageId = "preview." + Guid.NewGuid().ToString("N") + "@" + _options.From.AsciiDomain,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
        };
        try
        {
            using var buffer = new MemoryStream();
            await message.WriteToAsync(buffer, http.RequestAborted);
            return new Preview(rendered, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), email, culture);
        }
        catch (MessageFormatException ex)
        {
            await Error(http, StatusCodes.Status500InternalServerError, $"The sample {emailType}.{sampleName} cannot be written as a message: {ex.Message}");
            return null;
        }
    }

    private Task Error(HttpContext http, int status, string message)
    {
        var page = new StringBuilder();
        Header(page, "Email preview");
        page.Append("<p><a href=\"").Append(E(Base(http))).Append("\">All emails</a></p><p id=\"error\">").Append(E(message)).Append("</p>");
        Footer(page);
        return Write(http, status, "text/html; charset=utf-8", page.ToString());
    }

    private static async Task Write(HttpContext http, int status, string contentType, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        await http.Response.WriteAsync(body, Encoding.UTF8, http.RequestAborted);
    }

    private string Base(HttpContext http) => http.Request.PathBase + _prefix;

    private string Link(HttpContext http, EmailDescriptor email, EmailSample sample) => Link(http, email.EmailType, sample.Name);

    private string Link(HttpContext http, string emailType, string sample)
        => Base(http) + Uri.EscapeDataString(emailType) + "/" + Uri.EscapeDataString(sample);

    /// <summary>A page of a sample in a culture (none: the neutral templates).</summary>
    private string Link(HttpContext http, string emailType, string sample, string page, string culture)
        => Link(http, emailType, sample) + page + (culture.Length == 0 ? "" : "?culture=" + Uri.EscapeDataString(culture));

    private static string E(string text) => System.Net.WebUtility.HtmlEncode(text);

    private static void Header(StringBuilder page, string title)
    {
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
            .Append("body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328}")
            .Append("table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:.4rem .6rem;text-align:left}")
            .Append("a.sample{margin-right:.8rem}nav a{margin-right:1rem}.meta{color:#59636e}")
            .Append("iframe{width:100%;height:24rem;border:1px solid #d0d7de;background:#fff}")
            .Append("pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.8rem;overflow:auto;white-space:pre-wrap}")
            .Append("#error{color:#d1242f}")
            .Append("</style></head><body>");
    }

    private static void Footer(StringBuilder page) => page.Append("</body></html>");

    private sealed record Preview(RenderedEmail Rendered, string Source, EmailDescriptor Email, string Culture);
}
