using TypedMail;

namespace QuickStart.Emails;

/// <summary>Sent when an order is placed. Its templates sit beside it: OrderConfirmationEmail.*.scriban.</summary>
[Email]
public partial record OrderConfirmationEmail(string CustomerName, string OrderNumber, decimal Total);
