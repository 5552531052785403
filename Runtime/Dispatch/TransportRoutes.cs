using System;
using System.Collections.Generic;
using TypedMail.Outbox;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>
/// The transports a dispatcher sends through, by name, and which ones each message goes to. A message's route is an
/// ordered list: the first transport, then the ones to fail over to when it is down (never after a permanent
/// rejection). Routes are chosen in this order:
/// <list type="number">
/// <item>the message's own <see cref="OutboxMessage.Transport"/> (<c>EnqueueOptions.Transport</c>) first, then the
/// other transports in the order they were added;</item>
/// <item>the route given by <see cref="RouteEmailType"/> for its email type;</item>
/// <item>every transport, in the order they were added.</item>
/// </list>
/// </summary>
public sealed class TransportRoutes
{
    private readonly List<TransportEntry> _transports = [];
    private readonly Dictionary<string, TransportEntry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _byEmailType = new(StringComparer.Ordinal);

    /// <summary>The transports, in the order they were added.</summary>
    public IReadOnlyList<string> Names => _transports.ConvertAll(t => t.Name);

    /// <summary>Adds a transport.</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="name">Its name in routes and the attempt log; defaults to <see cref="IEmailTransport.Name"/>.</param>
    /// <param name="maxMessagesPerSecond">
    /// A rate limit, or <see langword="null"/> for none, shared by every dispatcher on the database that gives a transport
    /// this name a limit (the schedule lives in the outbox's <c>typedmail_throttles</c> table). Messages go out in groups
    /// of at most one second's worth, each group in its own slot of the shared schedule, so the average stays at the limit.
    /// </param>
    /// <returns>This object.</returns>
    /// <exception cref="ArgumentException">The name is taken, blank or too long, or the rate is not positive.</exception>
    public TransportRoutes Add(IEmailTransport transport, string? name = null, double? maxMessagesPerSecond = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        name ??= transport.Name;
        if (string.IsNullOrWhiteSpace(name) || name.Length > EnqueueOptions.MaxTransportLength)
        {
            throw new ArgumentException($"Transport name '{name}' must be 1 to {EnqueueOptions.MaxTransportLength} characters and not blank.", nameof(name));
        }

        if (_byName.ContainsKey(name))
        {
            throw new ArgumentException($"A transport named '{name}' is already added; give the second one another name.", nameof(name));
        }

        if (maxMessagesPerSecond is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            throw new ArgumentException($"maxMessagesPerSecond for transport '{name}' must be a positive number; it is {rate}.", nameof(maxMessagesPerSecond));
        }

        var entry = new TransportEntry(name, transport, maxMessagesPerSecond);
        _transports.Add(entry);
        _byName.Add(name, entry);
        return this;
    }

    /// <summary>Sends every message of <paramref name="emailType"/> through these transports, in this order.</summary>
    /// <param name="emailType">The email type's full name, such as <c>MyApp.Mail.NewsletterEmail</c>.</param>
    /// <param name="transportNames">Transport names already added: the first, then the fail-overs.</param>
    /// <returns>This object.</returns>
    /// <exception cref="ArgumentException">No transport names, or a name that was not added.</exception>
    public TransportRoutes RouteEmailType(string emailType, params string[] transportNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(emailType);
        ArgumentNullException.ThrowIfNull(transportNames);
        if (transportNames.Length == 0)
        {
            throw new ArgumentException($"The route for email type '{emailType}' names no transport.", nameof(transportNames));
        }

        foreach (var name in transportNames)
        {
            if (!_byName.ContainsKey(name))
            {
                throw new ArgumentException($"The route for email type '{emailType}' names transport '{name}', which was not added. Added: {string.Join(", ", Names)}.", nameof(transportNames));
            }
        }

        _byEmailType[emailType] = [.. transportNames];
        return this;
    }

    internal int Count => _transports.Count;

    internal TransportEntry? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The route of a message; may start with a name that was not added (the message's own choice).</summary>
    internal IReadOnlyList<string> RouteFor(OutboxMessage message)
    {
        if (message.Transport is { } chosen)
        {
            var route = new List<string>(_transports.Count + 1) { chosen };
            foreach (var t in _transports)
            {
                if (t.Name != chosen)
                {
                    route.Add(t.Name);
                }
            }

            return route;
        }

        return _byEmailType.TryGetValue(message.EmailType, out var byType) ? byType : Names;
    }

    internal sealed class TransportEntry(string name, IEmailTransport transport, double? maxMessagesPerSecond)
    {
        public string Name { get; } = name;

        public IEmailTransport Transport { get; } = transport;

        /// <summary>The shared rate limit, or <see langword="null"/> for none.</summary>
        public double? MaxMessagesPerSecond { get; } = maxMessagesPerSecond;

        /// <summary>The most messages sent together: one second's worth of the rate, at least one; all of them without a rate.</summary>
        public int GroupSize => MaxMessagesPerSecond is { } rate ? Math.Max(1, (int)Math.Floor(rate)) : int.MaxValue;

        /// <summary>Until when (a <see cref="TimeProvider"/> timestamp) the transport counts as down; 0 when up.</summary>
        public long DownUntil { get; set; }
    }
}
