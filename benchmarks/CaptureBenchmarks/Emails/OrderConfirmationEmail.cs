namespace TypedMail.CaptureBenchmarks.Emails;

[Email]
public partial record OrderConfirmationEmail(string CustomerName, string OrderNumber, decimal Total);
