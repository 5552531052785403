namespace TypedMail.Testing.Tests.Emails;

[Email]
public partial record OrderShippedEmail(string OrderNumber);
