using System;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TypedMail.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the outbox dashboard's services.</summary>
public static class TypedMailDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers what <c>app.MapTypedMailDashboard()</c> needs: the outbox it shows, its options (checked when the
    /// application starts) and antiforgery for its forms.
    /// </summary>
    /// <typeparam name="TContext">The application's context, whose model calls <c>AddTypedMailOutbox()</c>, registered in the container (<c>AddDbContext</c> or <c>AddDbContextFactory</c>).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Names the authorization policy (or opts in to anonymous access) and sets the page size.</param>
    /// <returns>The same services.</returns>
    /// <remarks>
    /// Invalid options (no policy and no explicit anonymous access, an unknown policy, a page size out of range) stop
    /// the application at start with an <see cref="OptionsValidationException"/> naming the setting and its value.
    /// </remarks>
    public static IServiceCollection AddTypedMailDashboard<TContext>(this IServiceCollection services, Action<TypedMailDashboardOptions> configure)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TypedMailDashboardOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TypedMailDashboardOptions>, TypedMailDashboardOptionsValidator>());
        services.AddAntiforgery();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new DashboardDatabase(sp => sp.GetRequiredService<TContext>()));
        return services;
    }
}
