using System.Collections.Generic;

namespace TypedMail.TemplateBenchmarks;

/// <summary>A short welcome email.</summary>
[Email]
public partial record WelcomeEmail(string FirstName, string ProductName, int Seats, string ActivationUrl);

/// <summary>An order confirmation with its lines.</summary>
[Email]
public partial record OrderEmail(string OrderNumber, string CustomerName, IReadOnlyList<OrderLine> Lines, decimal Total);

/// <summary>One line of an order.</summary>
public sealed record OrderLine(string Name, int Quantity, decimal Price);

/// <summary>A digest of articles.</summary>
[Email]
public partial record DigestEmail(string RecipientName, IReadOnlyList<DigestItem> Items);

/// <summary>One article of a digest.</summary>
public sealed record DigestItem(string Title, string Url, string Author, int Comments, bool IsNew);

/// <summary>User-written text that needs HTML encoding.</summary>
[Email]
public partial record CommentEmail(string Author, string Subject, IReadOnlyList<string> Comments);
