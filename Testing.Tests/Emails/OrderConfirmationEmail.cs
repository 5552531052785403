namespace TypedMail.Testing.Tests.Emails;

[Email]
public partial record OrderConfirmationEmail(string CustomerName, string OrderNumber, decimal Total);
