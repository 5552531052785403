using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>One command EF Core sent: its text, whether a transaction held it, and its parameters as they were at execution.</summary>
public sealed record RecordedCommand(string Text, bool InTransaction, IReadOnlyList<DbParameter> Parameters);

/// <summary>Records every command EF Core sends through the contexts it is added to.</summary>
public sealed class CommandRecorder : DbCommandInterceptor
{
    private readonly Lock _gate = new();
    private readonly List<RecordedCommand> _recorded = [];

    /// <summary>The commands sent so far, in order.</summary>
    public IReadOnlyList<RecordedCommand> Recorded
    {
        get
        {
            lock (_gate)
            {
                return _recorded.ToList();
            }
        }
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    private void Record(DbCommand command)
    {
        var parameters = command.Parameters.Cast<DbParameter>().Select(p => p is ICloneable c ? (DbParameter)c.Clone() : p).ToList();
        lock (_gate)
        {
            _recorded.Add(new RecordedCommand(command.CommandText, command.Transaction is not null, parameters));
        }
    }
}
