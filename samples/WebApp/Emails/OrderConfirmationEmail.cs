using TypedMail;

namespace WebApp.Emails;

[Email]
public partial record OrderConfirmationEmail(string CustomerName, string OrderNumber, decimal Total)
{
    [EmailSample]
    public static OrderConfirmationEmail SmallOrder => new("Ada Lovelace", "A-1001", 12.50m);

    [EmailSample]
    public static OrderConfirmationEmail LargeOrder => new("Charles Babbage", "A-1002", 18_250.00m);

    /// <summary>The preview shows the Reply-To header and the attachment an order with an invoice carries.</summary>
    [EmailSample(ReplyTo = "Acme Support <support@acme.test>", Attachments = ["invoice-A-1003.pdf"])]
    public static OrderConfirmationEmail WithInvoice => new("Grace Hopper", "A-1003", 99.00m);
}
