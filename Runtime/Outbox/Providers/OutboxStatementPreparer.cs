using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// Prepares TypedMail's own statements on the connection, where the context prepares them
/// (<see cref="TypedMailDbContextOptions.PrepareStatements"/>): the ones a provider sends itself, through
/// <see cref="PrepareAsync"/>, and the ones it sends through EF Core (which prepares nothing) marked with
/// <see cref="Marker"/>, as they execute. The driver keeps a prepared statement on the physical connection, across its
/// returns to the pool, and finds it again by its text and parameter types: only the first preparation of a text on a
/// connection goes to the server, which then parses and plans it no more. Added to the context by <c>UseTypedMail</c>.
/// </summary>
internal sealed class OutboxStatementPreparer : DbCommandInterceptor
{
    /// <summary>Starts the text of a statement sent through EF Core that is to be prepared.</summary>
    public const string Marker = "/* TypedMail: prepared */ ";

    public static readonly OutboxStatementPreparer Instance = new();

    private OutboxStatementPreparer()
    {
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        if (IsMarked(command) && eventData.Context is { } context)
        {
            PrepareAsync(context, command, async: false, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (IsMarked(command) && eventData.Context is { } context)
        {
            await PrepareAsync(context, command, async: true, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Prepares <paramref name="command"/> (open connection, text and parameters set) where <paramref name="context"/> prepares statements.</summary>
    public static async Task PrepareAsync(DbContext context, DbCommand command, bool async, CancellationToken cancellationToken)
    {
        if (context.GetService<IDbContextOptions>().FindExtension<TypedMailOptionsExtension>()?.Options.PrepareStatements is false)
        {
            return;
        }

        if (async)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            command.Prepare();
        }
    }

    private static bool IsMarked(DbCommand command) => command.CommandText.StartsWith(Marker, System.StringComparison.Ordinal);
}
