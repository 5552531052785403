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

    private void Count(DbCommand command, int rows)
    {
        if (command.CommandText.Contains("SKIP LOCKED", System.StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _claims);
            if (rows == 0)
            {
                Interlocked.Increment(ref _empty);
            }
        }
    }
}
