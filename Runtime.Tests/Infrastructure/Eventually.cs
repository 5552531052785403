using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>Waits for a condition that a background service makes true, failing with a message after a bounded time.</summary>
public static class Eventually
{
    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException($"Timed out after {limit.TotalSeconds:0} s waiting for: {what}");
            }

            await Task.Delay(50);
        }
    }
}
