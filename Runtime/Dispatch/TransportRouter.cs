using System;
using System.Collections.Generic;
using TypedMail.Outbox;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>
/// The transport router: which transport each message goes to now, fail-over along its route when a transport is down,
/// and the cooldown during which a transport that was down is tried last. The routes themselves are configured in
/// <see cref="TransportRoutes"/>.
/// </summary>
internal sealed class TransportRouter(TransportRoutes routes, TimeSpan cooldown, TimeProvider time)
{
    public IReadOnlyList<string> Names => routes.Names;

    public TransportRoutes.TransportEntry? Find(string name) => routes.Find(name);

    /// <summary>A message's position on its route.</summary>
    public Route Start(OutboxMessage message) => new(routes.RouteFor(message));

    /// <summary>The route's next transport that is not down, or its current one when all the rest are.</summary>
    public string Current(Route route)
    {
        var now = time.GetTimestamp();
        for (var i = route.Index; i < route.Names.Count; i++)
        {
            if (routes.Find(route.Names[i]) is not { } entry || entry.DownUntil <= now)
            {
                route.Index = i;
                return route.Names[i];
            }
        }

        return route.Names[route.Index];
    }

    /// <summary>Moves the message on to the route's next transport; false at the route's end.</summary>
    public static bool FailOver(Route route)
    {
        if (route.Index + 1 >= route.Names.Count)
        {
            return false;
        }

        route.Index++;
        return true;
    }

    /// <summary>Marks a transport down for the cooldown: routes try it last until then.</summary>
    public void MarkDown(TransportRoutes.TransportEntry entry)
        => entry.DownUntil = time.GetTimestamp() + (long)(cooldown.TotalSeconds * time.TimestampFrequency);

    /// <summary>The transport could not take the message at all: no connection, a timeout, or 421 (service not available).</summary>
    public static bool IsDown(SendResult result)
    {
        if (result.Status != DeliveryStatus.TransientFailure || (result.Reply is not null && result.Reply.Code != 421))
        {
            return false;
        }

        foreach (var r in result.Recipients)
        {
            if (r.Status == DeliveryStatus.Accepted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A message's route (transport names, first to last fail-over) and where on it the message is.</summary>
    internal sealed class Route(IReadOnlyList<string> names)
    {
        public IReadOnlyList<string> Names { get; } = names;

        public int Index { get; set; }
    }
}
