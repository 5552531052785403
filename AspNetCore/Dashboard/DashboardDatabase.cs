using System;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.AspNetCore;

/// <summary>Resolves the application's context, chosen by <c>AddTypedMailDashboard&lt;TContext&gt;</c>, from a request's services.</summary>
internal sealed class DashboardDatabase(Func<IServiceProvider, DbContext> resolve)
{
    public DbContext For(IServiceProvider requestServices) => resolve(requestServices);
}
