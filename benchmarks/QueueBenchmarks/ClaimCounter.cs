using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TypedMail.Benchmarks.Queue;

/// <summary>
/// Counts the dispatchers' claims (the statements with <c>SKIP LOCKED</c>, on PostgreSQL) and those that came back empty:
/// a dispatcher woken for rows another one took first.
/// </summary>
public sealed class ClaimCounter : DbCommandInterceptor
{
    public static readonly ClaimCounter Instance = new();

    private long _claims;
    private long _empty;

    public (long Claims, long Empty) Read() => (Interlocked.Read(ref _claims), Interlocked.Read(ref _empty));

    public override InterceptionResult DataReaderClosing(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        Count(command, eventData.ReadCount);
        return result;
    }

    public override ValueTask<InterceptionResult> DataReaderClosingAsync(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        Count(command, eventData.ReadCount);
        return ValueTask.FromResult(result);
    }

    /// <param name="command">The command whose reader closes.</param>
    /// <param name="reads">EF Core's count of <c>Read</c> calls, the last one (which found no row) included.</param>
    private void Count(DbCommand command, int reads)
    {
        if (command.CommandText.Contains("SKIP LOCKED", System.StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _claims);
            if (reads <= 1)
            {
                Interlocked.Increment(ref _empty);
            }
        }
    }
}
