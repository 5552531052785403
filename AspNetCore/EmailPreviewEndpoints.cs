using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
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
internal sealed partial class EmailPreviewPages
{
    /// <summary>Put before the email's HTML in the dark view.</summary>
    private const string DarkScheme = "<meta name=\"color-scheme\" content=\"dark\"><style>:root{color-scheme:dark}</style>";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
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
                    .Append(E(email.Type.Name)).Append("</code>, such as <code>[EmailSample] public static ").Append(E(email.Type.Name)).Append(" Example =&gt; new(...);</code> in the record.</li>");
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

        var view = preview.View;
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
                ViewLink(page, http, emailType, sample, view with { Culture = culture }, culture == view.Culture, culture.Length == 0 ? "neutral" : culture);
            }

            page.Append("</nav>");
        }

        // The headers as a mail client shows them above the message.
        var message = preview.Message;
        page.Append("<dl id=\"headers\">");
        HeaderRow(page, "From", message.From.ToString());
        HeaderRow(page, "To", string.Join(", ", message.To));
        if (message.ReplyTo is not null)
        {
            HeaderRow(page, "Reply-To", message.ReplyTo.ToString());
        }

        HeaderRow(page, "Subject", message.Subject);
        HeaderRow(page, "Date", message.Date.ToString("ddd, d MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture));
        page.Append("</dl>");
        if (message.Attachments.Count > 0)
        {
            page.Append("<ul id=\"attachments\">");
            foreach (var attachment in message.Attachments)
            {
                page.Append("<li>").Append(E(attachment.FileName)).Append(" <span class=\"meta\">").Append(E(attachment.ContentType)).Append("</span></li>");
            }

            page.Append("</ul>");
        }

        page.Append("<nav><a href=\"#html\">HTML</a> <a href=\"#text\">Text</a> <a href=\"#source\">MIME source</a></nav>");
        page.Append("<h2 id=\"html\">HTML</h2>");
        page.Append("<nav id=\"views\">Width: ");
        ViewLink(page, http, emailType, sample, view with { Mobile = false }, !view.Mobile, "Desktop");
        ViewLink(page, http, emailType, sample, view with { Mobile = true }, view.Mobile, "Mobile");
        page.Append(" Theme: ");
        ViewLink(page, http, emailType, sample, view with { Dark = false }, !view.Dark, "Light");
        ViewLink(page, http, emailType, sample, view with { Dark = true }, view.Dark, "Dark");
        page.Append("</nav>");
        if (preview.Rendered.HtmlBody is null)
        {
            page.Append("<p>This email has no HTML body.</p>");
        }
        else
        {
            page.Append("<iframe id=\"html-body\" title=\"HTML body\" sandbox=\"\" class=\"").Append(view.Mobile ? "mobile" : "desktop").Append(view.Dark ? " dark" : "")
                .Append("\" src=\"").Append(E(Link(http, emailType, sample, "/html", view))).Append("\"></iframe>");
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
            var html = preview.Rendered.HtmlBody ?? "";
            if (preview.View.Dark)
            {
                // A client in dark mode: a dark canvas and default colours, and the email's own prefers-color-scheme rules
                // switched to dark (a frame's media queries follow the browser, not the frame, so they are rewritten).
                html = DarkScheme + ColorSchemeQuery().Replace(html, m => m.Groups[1].Value.Equals("dark", StringComparison.OrdinalIgnoreCase) ? "min-width:0" : "max-width:-1px");
            }

            await Write(http, StatusCodes.Status200OK, "text/html; charset=utf-8", html);
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

        var view = new View(http.Request.Query["culture"].ToString(), http.Request.Query["width"] == "mobile", http.Request.Query["theme"] == "dark");
        var culture = view.Culture;
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

        EmailAddress? replyTo = null;
        if (sample.ReplyTo is not null && !EmailAddress.TryParse(sample.ReplyTo, out replyTo))
        {
            await Error(http, StatusCodes.Status500InternalServerError, $"The sample {emailType}.{sampleName} has ReplyTo '{sample.ReplyTo}', which is not an email address.");
            return null;
        }

        try
        {
            // Written to memory only: a preview is never sent anywhere.
            var message = new EmailMessage
            {
                From = _options.From,
                To = [_options.To],
                ReplyTo = replyTo,
                Subject = rendered.Subject,
                Date = DateTimeOffset.UtcNow,
                MessageId = "preview." + Guid.NewGuid().ToString("N") + "@" + _options.From.AsciiDomain,
                HtmlBody = rendered.HtmlBody,
                TextBody = rendered.TextBody,
                Attachments = sample.Attachments.Select(name => new EmailAttachment(name, ContentTypeOf(name), ReadOnlyMemory<byte>.Empty)).ToArray(),
            };
            using var buffer = new MemoryStream();
            await message.WriteToAsync(buffer, http.RequestAborted);
            return new Preview(rendered, message, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), email, view);
        }
        catch (Exception ex) when (ex is MessageFormatException or ArgumentException)
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

    /// <summary>A page of a sample in a view: a culture (none: the neutral templates), a width and a theme.</summary>
    private string Link(HttpContext http, string emailType, string sample, string page, View view)
    {
        var query = new List<string>();
        if (view.Culture.Length > 0)
        {
            query.Add("culture=" + Uri.EscapeDataString(view.Culture));
        }

        if (view.Mobile)
        {
            query.Add("width=mobile");
        }

        if (view.Dark)
        {
            query.Add("theme=dark");
        }

        return Link(http, emailType, sample) + page + (query.Count == 0 ? "" : "?" + string.Join("&", query));
    }

    /// <summary>A link to the sample's page in another view; the current one is marked <c>aria-current</c>.</summary>
    private void ViewLink(StringBuilder page, HttpContext http, string emailType, string sample, View view, bool current, string label)
        => page.Append("<a href=\"").Append(E(Link(http, emailType, sample, "", view))).Append('"')
            .Append(current ? " aria-current=\"page\"" : "").Append('>').Append(E(label)).Append("</a> ");

    private static void HeaderRow(StringBuilder page, string name, string value)
        => page.Append("<dt>").Append(name).Append("</dt><dd id=\"header-").Append(name.ToLowerInvariant()).Append("\">").Append(E(value)).Append("</dd>");

    private static string ContentTypeOf(string fileName)
        => ContentTypes.TryGetContentType(fileName, out var type) ? type : "application/octet-stream";

    private static string E(string text) => System.Net.WebUtility.HtmlEncode(text);

    private static void Header(StringBuilder page, string title)
    {
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
            .Append("body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328}")
            .Append("table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:.4rem .6rem;text-align:left}")
            .Append("a.sample{margin-right:.8rem}nav a{margin-right:1rem}.meta{color:#59636e}")
            .Append("iframe{width:100%;height:24rem;border:1px solid #d0d7de;background:#fff;display:block}")
            .Append("iframe.mobile{width:375px;height:40rem}iframe.dark{color-scheme:dark;background:#1f1f1f}")
            .Append("#headers{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;border:1px solid #d0d7de;padding:.6rem .8rem}")
            .Append("#headers dt{color:#59636e}#headers dd{margin:0}[aria-current]{font-weight:bold;text-decoration:none}")
            .Append("pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.8rem;overflow:auto;white-space:pre-wrap}")
            .Append("#error{color:#d1242f}")
            .Append("</style></head><body>");
    }

    private static void Footer(StringBuilder page) => page.Append("</body></html>");

    [GeneratedRegex(@"prefers-color-scheme\s*:\s*(dark|light)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ColorSchemeQuery();

    private sealed record Preview(RenderedEmail Rendered, EmailMessage Message, string Source, EmailDescriptor Email, View View);

    /// <summary>How the sample is shown: its culture (empty: the neutral templates), a phone's width, a dark theme.</summary>
    private sealed record View(string Culture, bool Mobile, bool Dark);
}
