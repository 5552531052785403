using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TypedMail.Analyzers.Internal;

/// <summary>
/// Collects, across one compilation, the methods that send mail when they run (a mail-sending wrapper) and the
/// calls to the compilation's own methods made inside a transaction; at the end of the compilation, the calls
/// whose target (or an implementation or override of it) is such a wrapper. One level deep: a method that only
/// calls a wrapper is not a wrapper itself.
/// </summary>
internal sealed class SendingCalls
{
    private readonly ConcurrentDictionary<IMethodSymbol, (string Send, Location SendLocation)> _senders = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<(IMethodSymbol Callee, Location Call, string Begin, Location BeginLocation)> _calls = new();

    /// <summary>Records that <paramref name="method"/> runs <paramref name="send"/> while its caller's transaction is open.</summary>
    public void AddSender(IMethodSymbol method, IMethodSymbol send, Location sendLocation)
        => _senders.TryAdd(method.OriginalDefinition, (send.ContainingType.Name + "." + send.Name, sendLocation));

    /// <summary>Records a call to one of the compilation's own methods made inside the transaction begun at <paramref name="beginLocation"/>.</summary>
    public void AddCall(IMethodSymbol callee, Location call, string begin, Location beginLocation)
        => _calls.Add((callee.OriginalDefinition, call, begin, beginLocation));

    /// <summary>The calls that reach a sender, each with the sender it reaches.</summary>
    public IEnumerable<(Location Call, string Begin, Location BeginLocation, IMethodSymbol Callee, string Send, Location SendLocation)> Found()
    {
        // A call to an interface or base method reaches every implementation and override that sends.
        var reaches = new Dictionary<IMethodSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var sender in _senders.Keys.OrderBy(m => m.ToDisplayString(), System.StringComparer.Ordinal))
        {
            Add(sender, sender);
            for (var overridden = sender.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
            {
                Add(overridden, sender);
            }

            foreach (var implemented in sender.ContainingType.AllInterfaces)
            {
                foreach (var member in implemented.GetMembers(sender.Name))
                {
                    if (member is IMethodSymbol method
                        && SymbolEqualityComparer.Default.Equals(sender.ContainingType.FindImplementationForInterfaceMember(method)?.OriginalDefinition, sender))
                    {
                        Add(method, sender);
                    }
                }
            }
        }

        foreach (var (callee, call, begin, beginLocation) in _calls.OrderBy(c => c.Call.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(c => c.Call.SourceSpan.Start))
        {
            if (reaches.TryGetValue(callee, out var sender))
            {
                var (send, sendLocation) = _senders[sender];
                yield return (call, begin, beginLocation, callee, send, sendLocation);
            }
        }

        void Add(IMethodSymbol target, IMethodSymbol sender)
        {
            if (!reaches.ContainsKey(target.OriginalDefinition))
            {
                reaches.Add(target.OriginalDefinition, sender);
            }
        }
    }
}
