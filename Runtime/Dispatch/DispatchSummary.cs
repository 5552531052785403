namespace TypedMail.Dispatch;

/// <summary>What one dispatch pass did.</summary>
/// <param name="Claimed">Messages claimed.</param>
/// <param name="Sent">Messages now sent.</param>
/// <param name="Deferred">Messages that failed for now and will be retried.</param>
/// <param name="Failed">Messages that failed for good.</param>
/// <param name="Released">Messages handed back unsent (shutdown, or a lease too short to send safely).</param>
/// <param name="LeaseLost">Messages whose results were not recorded because another dispatcher had taken them over.</param>
public readonly record struct DispatchSummary(int Claimed, int Sent, int Deferred, int Failed, int Released = 0, int LeaseLost = 0)
{
    /// <summary>Adds two summaries.</summary>
    /// <param name="a">The first.</param>
    /// <param name="b">The second.</param>
    public static DispatchSummary operator +(DispatchSummary a, DispatchSummary b)
        => new(a.Claimed + b.Claimed, a.Sent + b.Sent, a.Deferred + b.Deferred, a.Failed + b.Failed, a.Released + b.Released, a.LeaseLost + b.LeaseLost);
}
