using System;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.AspNetCore;

/// <summary>The application's context type, chosen by <c>AddTypedMailDashboard&lt;TContext&gt;</c>, resolved per request.</summary>
internal sealed class DashboardDatabase(Type contextType, Func<IServiceProvider, DbContext> resolve)
{
    public Type ContextType { get; } = contextType;

    public DbContext For(IServiceProvider requestServices) => resolve(requestServices);
}
