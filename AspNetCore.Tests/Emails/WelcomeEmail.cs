using System;

namespace TypedMail.AspNetCore.Tests.Emails;

[Email]
public partial record WelcomeEmail(string FirstName, string ProductName, int Seats)
{
    [EmailSample]
    public static WelcomeEmail NewCustomer => new("Ada", "Acme Mail", 3);

    [EmailSample]
    public static WelcomeEmail Escaped() => new("<script>alert(1)</script> & Co", "Acme <Mail>", 1);

    [EmailSample(ReplyTo = "Acme Support <support@acme.test>", Attachments = ["terms.pdf", "welcome.png"])]
    public static WelcomeEmail Team => new("Grace", "Acme Mail", 12);

    [EmailSample]
    public static WelcomeEmail Broken => throw new InvalidOperationException("the sample database is empty");
}

[Email]
public partial record PasswordResetEmail(string Link);

[Email]
public partial record ReceiptEmail(string OrderNumber)
{
    [EmailSample]
    public static ReceiptEmail Paid => new("A-1001");
}
