using TypedMail;

namespace WebApp.Emails;

/// <summary>Marketing mail: in the "newsletter" category, with one-click unsubscribe (RFC 8058).</summary>
[Email(Category = "newsletter", OneClickUnsubscribe = true, Tags = ["newsletter"])]
public partial record NewsletterEmail(string Name)
{
    [EmailSample]
    public static NewsletterEmail Sample => new("Ada Lovelace");
}
