using System;
using System.Linq;
using TypedMail.Dispatch;
using TypedMail.Outbox;

namespace TypedMail.Runtime.Tests.Dispatch;

/// <summary>The delivery policy and the backoff, without a database or a transport.</summary>
public sealed class DeliveryPolicyTests
{
    private static readonly DateTime Now = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static DeliveryPolicy Policy(int maxAttempts = 3, int seed = 1)
        => new(maxAttempts, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), new Random(seed));

    [Fact]
    public void A_message_every_recipient_accepted_is_sent()
        => Assert.Equal(new DeliveryDecision(OutboxMessageState.Sent, null, false), Policy().Decide(attempts: 1, pending: 0, accepted: 2, retryAfter: null, Now));

    [Fact]
    public void A_message_every_recipient_rejected_fails_without_retry()
        => Assert.Equal(new DeliveryDecision(OutboxMessageState.Failed, null, false), Policy().Decide(attempts: 1, pending: 0, accepted: 0, retryAfter: null, Now));

    [Fact]
    public void Pending_recipients_defer_the_message_with_backoff_in_the_upper_half()
    {
        var decision = Policy().Decide(attempts: 2, pending: 1, accepted: 1, retryAfter: null, Now);
        Assert.Equal(OutboxMessageState.Deferred, decision.State);
        Assert.False(decision.GiveUpPending);

        // Attempt 2: 1 min × 2 = 2 min, jittered into [1 min, 2 min].
        Assert.InRange(decision.DueAt!.Value - Now, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void A_server_asking_for_a_longer_wait_gets_it()
        => Assert.Equal(Now + TimeSpan.FromMinutes(7), Policy().Decide(1, pending: 1, accepted: 0, retryAfter: TimeSpan.FromMinutes(7), Now).DueAt);

    [Theory]
    [InlineData(1, OutboxMessageState.Sent)]
    [InlineData(0, OutboxMessageState.Failed)]
    public void At_the_last_attempt_pending_recipients_are_given_up(int accepted, OutboxMessageState state)
    {
        var policy = Policy(maxAttempts: 3);
        Assert.False(policy.GivesUp(2));
        Assert.True(policy.GivesUp(3));
        Assert.Equal(new DeliveryDecision(state, null, true), policy.Decide(attempts: 3, pending: 2, accepted, retryAfter: null, Now));
    }

    [Fact]
    public void Backoff_doubles_from_the_first_wait_up_to_the_cap()
    {
        var first = TimeSpan.FromMilliseconds(200);
        var max = TimeSpan.FromSeconds(5);
        Assert.Equal([200, 400, 800, 1600, 3200, 5000, 5000], new[] { 1, 2, 3, 4, 5, 6, 40 }.Select(n => Backoff.Delay(n, first, max).TotalMilliseconds));
    }

    [Fact]
    public void Backoff_jitter_stays_in_the_upper_half()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(Backoff.Delay(3, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), random), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        }
    }
}
