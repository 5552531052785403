using System.Collections.Generic;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// What one dispatch batch writes back, for <see cref="OutboxProvider.WriteOutcomesAsync"/>: each message's state
/// columns (state, due time, attempt count, last error, lease, sent and failed times), the recipients whose outcome
/// changed, and the new attempt-log rows. Recipients and attempts of a message that is not in
/// <see cref="Messages"/>, or whose lease was lost, are not written.
/// </summary>
/// <param name="Messages">The claimed messages, their state columns as they are to be stored.</param>
/// <param name="Recipients">The recipients whose state or reply changed.</param>
/// <param name="Attempts">The attempts to append to the log.</param>
internal sealed record OutcomeBatch(IReadOnlyList<OutboxMessage> Messages, IReadOnlyList<OutboxRecipient> Recipients, IReadOnlyList<OutboxAttempt> Attempts);
