using TypedMail;

namespace TypedMail.Runtime.Tests.Emails;

[Email(Category = "newsletter", OneClickUnsubscribe = true, Headers = ["X-Campaign: spring"], Tags = ["newsletter"])]
public partial record NewsletterEmail(string Name);
