using System;
using System.Diagnostics.Metrics;
using System.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail;
using TypedMail.Bounces;
using TypedMail.Diagnostics;
using TypedMail.Dispatch;
using TypedMail.Hosting;
using TypedMail.Outbox;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TypedMail's hosted dispatcher, its transport, metrics and health check.</summary>
public static class TypedMailServiceCollectionExtensions
{
    /// <summary>
    /// Runs a dispatcher for <typeparamref name="TContext"/>'s outbox as a hosted service, with the transport, retry
    /// policy and defaults bound from <paramref name="configuration"/> (usually the <c>TypedMail</c> section) and
    /// validated when the host starts. Register the context with <c>AddDbContextFactory</c>: each batch gets its own context.
    /// </summary>
    /// <typeparam name="TContext">The application's context, whose model calls <c>AddTypedMailOutbox()</c>.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section to bind, such as <c>builder.Configuration.GetSection("TypedMail")</c>.</param>
    /// <param name="configure">Changes applied after binding, or <see langword="null"/>.</param>
    /// <returns>The same services.</returns>
    /// <remarks>
    /// An unknown setting, a value of the wrong type or an invalid value stops the host at start with an
    /// <see cref="OptionsValidationException"/> or <see cref="InvalidOperationException"/> naming the setting.
    /// </remarks>
    public static IServiceCollection AddTypedMail<TContext>(this IServiceCollection services, IConfiguration configuration, Action<TypedMailOptions>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<TypedMailOptions>().Bind(configuration, b => b.ErrorOnUnknownConfiguration = true);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var section = configuration is IConfigurationSection s ? s.Path : "";
        return AddCore<TContext>(services, section);
    }

    /// <summary>
    /// Runs a dispatcher for <typeparamref name="TContext"/>'s outbox as a hosted service, configured in code and
    /// validated when the host starts. Register the context with <c>AddDbContextFactory</c>: each batch gets its own context.
    /// </summary>
    /// <typeparam name="TContext">The application's context, whose model calls <c>AddTypedMailOutbox()</c>.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same services.</returns>
    /// <remarks>An invalid value stops the host at start with an <see cref="OptionsValidationException"/> naming the setting.</remarks>
    public static IServiceCollection AddTypedMail<TContext>(this IServiceCollection services, Action<TypedMailOptions> configure)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TypedMailOptions>().Configure(configure);
        return AddCore<TContext>(services, TypedMailOptions.SectionName);
    }

    private static IServiceCollection AddCore<TContext>(IServiceCollection services, string section)
        where TContext : DbContext
    {
        services.AddOptions<TypedMailOptions>().PostConfigure<IServiceProvider>(UseAccessTokenProviders).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TypedMailOptions>>(new TypedMailOptionsValidator(section)));
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);

        // Outbox defaults, applied to the context unless its own UseTypedMail(...) set them.
        services.ConfigureDbContext<TContext>((sp, builder) =>
        {
            var o = sp.GetRequiredService<IOptions<TypedMailOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            builder.UseTypedMail(t =>
            {
                if (t.DefaultFrom is null && o.DefaultFrom is not null)
                {
                    t.DefaultFrom = EmailAddress.Parse(o.DefaultFrom);
                }

                t.MessageIdDomain ??= o.MessageIdDomain;
                if (t.BounceAddress is null && o.BounceAddress is not null)
                {
                    t.BounceAddress = EmailAddress.Parse(o.BounceAddress);
                }

                if (!t.Unsubscribe.IsConfigured)
                {
                    t.Unsubscribe = o.Unsubscribe;
                }
                if (t.TimeProvider == TimeProvider.System)
                {
                    t.TimeProvider = time;
                }
            });
        });

        services.TryAddSingleton<IOutboxReader>(sp => new OutboxReader<TContext>(ContextFactory<TContext>(sp)));
        services.TryAddSingleton(sp => new OutboxStatusCache(
            sp.GetRequiredService<IOutboxReader>().ReadStatusAsync,
            sp.GetRequiredService<IOptions<TypedMailOptions>>().Value.QueueMetricsInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OutboxStatusCache>>()));
        services.TryAddSingleton(sp => new TypedMailMetrics(
            sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<OutboxStatusCache>(), sp.GetRequiredService<TimeProvider>(), typeof(TContext)));
        services.TryAddSingleton(sp => TransportProbe.For(sp.GetRequiredService<IOptions<TypedMailOptions>>().Value, sp.GetRequiredService<IEmailTransport>()));
        services.TryAddSingleton<IEmailTransport>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TypedMailOptions>>().Value;
            return CreateTransport(sp, "", o.Transport, o.Pickup, o.Smtp, o.Dkim);
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TypedMailOptions>>().Value;
            return new NamedTransports(o.Transports
                .OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => (t.Key, CreateTransport(sp, $"Transports:{t.Key}:", t.Value.Transport, t.Value.Pickup, t.Value.Smtp, o.Dkim), t.Value.MaxMessagesPerSecond))
                .ToList());
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TypedMailOptions>>().Value;
            var metrics = sp.GetRequiredService<TypedMailMetrics>();
            var routes = new TransportRoutes().Add(
                new InstrumentedTransport(sp.GetRequiredService<IEmailTransport>(), metrics), maxMessagesPerSecond: o.MaxMessagesPerSecond);
            foreach (var (name, transport, rate) in sp.GetRequiredService<NamedTransports>().Transports)
            {
                routes.Add(new InstrumentedTransport(transport, metrics, name), name, rate);
            }

            foreach (var (emailType, names) in o.Routes)
            {
                routes.RouteEmailType(emailType, names);
            }

            return new OutboxDispatcher<TContext>(
                ContextFactory<TContext>(sp),
                routes,
                o.Dispatcher,
                sp.GetRequiredService<ILogger<OutboxDispatcher<TContext>>>(),
                sp.GetRequiredService<TimeProvider>())
            {
                Metrics = metrics,
                LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            };
        });
        services.AddHostedService<OutboxDispatcherService<TContext>>();
        services.AddHostedService(sp => new OutboxRetentionService<TContext>(
            ContextFactory<TContext>(sp),
            sp.GetRequiredService<IOptions<TypedMailOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OutboxRetentionService<TContext>>>()));
        services.AddHostedService(sp => new BounceProcessorService<TContext>(
            ContextFactory<TContext>(sp),
            sp.GetRequiredService<IOptions<TypedMailOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    /// <summary>
    /// An SMTP transport with a user but no password takes its OAuth 2.0 token provider from the container: the one
    /// keyed by its name for a named transport, else the unkeyed one.
    /// </summary>
    private static void UseAccessTokenProviders(TypedMailOptions options, IServiceProvider services)
    {
        Use(options.Smtp, services.GetService<ISmtpAccessTokenProvider>());
        foreach (var (name, transport) in options.Transports ?? [])
        {
            Use(transport?.Smtp, services.GetKeyedService<ISmtpAccessTokenProvider>(name) ?? services.GetService<ISmtpAccessTokenProvider>());
        }

        static void Use(SmtpOptions? smtp, ISmtpAccessTokenProvider? provider)
        {
            if (smtp is { UserName: not null, Password: null, AccessTokenProvider: null } && provider is not null)
            {
                smtp.AccessTokenProvider = provider;
            }
        }
    }

    /// <summary>
    /// A transport from its settings, signing with <paramref name="dkim"/>; <paramref name="prefix"/> names it in errors
    /// (empty for the main one).
    /// </summary>
    private static IEmailTransport CreateTransport(IServiceProvider services, string prefix, EmailTransportKind kind, PickupFolderOptions pickup, SmtpOptions smtp, DkimOptions dkim)
        => kind switch
        {
            EmailTransportKind.Pickup => new PickupFolderTransport(pickup.Folder!, dkim),
            EmailTransportKind.Smtp => new SmtpTransport(smtp, dkim, services.GetRequiredService<ILogger<SmtpTransport>>()),
            _ => throw new InvalidOperationException($"TypedMail:{prefix}Transport '{kind}' is not a transport."),
        };

    private static IDbContextFactory<TContext> ContextFactory<TContext>(IServiceProvider services)
        where TContext : DbContext
        => services.GetService<IDbContextFactory<TContext>>()
            ?? throw new InvalidOperationException(
                $"AddTypedMail<{typeof(TContext).Name}> needs IDbContextFactory<{typeof(TContext).Name}>: register the context with "
                + $"services.AddDbContextFactory<{typeof(TContext).Name}>(...), so each dispatch batch gets its own context.");
}

/// <summary>Adds TypedMail's health check.</summary>
public static class TypedMailHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is unhealthy when the transport cannot be reached and degraded when more messages failed
    /// for good recently than <see cref="TypedMailHealthOptions.FailedLimit"/>. Needs <c>AddTypedMail</c>.
    /// </summary>
    /// <param name="builder">The health checks builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name. Default <c>typedmail</c>.</param>
    /// <param name="tags">Tags to filter checks by, such as <c>ready</c>.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddTypedMail(this IHealthChecksBuilder builder, string name = "typedmail", params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<TypedMailHealthCheck>(name, failureStatus: null, tags: tags);
    }
}
