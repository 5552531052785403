using TypedMail;

namespace WebApp.Emails;

[Email]
public partial record OrderConfirmationEmail(string CustomerName, string OrderNumber, decimal Total)
{
    [EmailSample]
    public static OrderConfirmationEmail SmallOrder => new("Ada Lovelace", "A-1001", 12.50m);

    [EmailSample]
    public static OrderConfirmationEmail LargeOrder => new("Charles Babbage", "A-1002", 18_250.00m);
}
