using System.Collections.Generic;

namespace TypedMail.Benchmarks.Queue.Emails;

/// <summary>A typical transactional email: an order with a few lines, in HTML and text.</summary>
[Email]
public partial record OrderShippedEmail(string CustomerName, string OrderNumber, IReadOnlyList<ShippedLine> Lines, decimal Total, string TrackingUrl);

/// <summary>One line of the order.</summary>
public sealed record ShippedLine(string Name, int Quantity, decimal Price);
