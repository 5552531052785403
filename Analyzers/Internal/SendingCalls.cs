using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TypedMail.Analyzers.Internal;

/// <summary>
/// Collects, across one compilation, the methods that send mail when they run (a mail-sending wrapper), the calls
/// made inside a transaction to methods that may be such a wrapper, and which interface methods each method of the
/// compilation implements; at the end of the compilation, the calls whose target (or an implementation or override
/// of it) is a wrapper. One level deep: a method that only calls a wrapper is not a wrapper itself.
/// </summary>
internal sealed class SendingCalls
{
    private readonly ConcurrentDictionary<IMethodSymbol, (string Send, Location SendLocation)> _senders = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<(IMethodSymbol Callee, Location Call, string Begin, Location BeginLocation)> _calls = new();
    private readonly ConcurrentBag<(IMethodSymbol Implementation, IMethodSymbol InterfaceMethod)> _implementations = new();

    /// <summary>
    /// Records which interface methods the methods that <paramref name="type"/> has (declared or inherited) implement,
    /// implicitly or explicitly, default interface methods included.
    /// </summary>
    public void AddImplementations(INamedTypeSymbol type)
    {
        foreach (var implemented in type.AllInterfaces)
        {
            foreach (var member in implemented.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method
                    && type.FindImplementationForInterfaceMember(method) is IMethodSymbol implementation)
                {
                    _implementations.Add((implementation.OriginalDefinition, method.OriginalDefinition));
                }
            }
        }
    }

    /// <summary>Records that <paramref name="method"/> runs <paramref name="send"/> while its caller's transaction is open.</summary>
    public void AddSender(IMethodSymbol method, IMethodSymbol send, Location sendLocation)
        => _senders.TryAdd(method.OriginalDefinition, (send.ContainingType.Name + "." + send.Name, sendLocation));

    /// <summary>Records a call to one of the compilation's own methods made inside the transaction begun at <paramref name="beginLocation"/>.</summary>
    public void AddCall(IMethodSymbol callee, Location call, string begin, Location beginLocation)
        => _calls.Add((callee.OriginalDefinition, call, begin, beginLocation));

    /// <summary>The calls that reach a sender, each with the sender it reaches.</summary>
    public IEnumerable<(Location Call, string Begin, Location BeginLocation, IMethodSymbol Callee, string Send, Location SendLocation)> Found()
    {
        var interfaceMethods = new Dictionary<IMethodSymbol, List<IMethodSymbol>>(SymbolEqualityComparer.Default);
        foreach (var (implementation, interfaceMethod) in _implementations)
        {
            if (!interfaceMethods.TryGetValue(implementation, out var implemented))
            {
                interfaceMethods.Add(implementation, implemented = new List<IMethodSymbol>());
            }

            implemented.Add(interfaceMethod);
        }

        // A call to an interface or base method reaches every implementation and override that sends: the methods
        // a sender overrides, and the interface methods that it, or a method it overrides, implements (an abstract
        // base method that implements an interface, a base class method that a derived class's interface maps to).
        var reaches = new Dictionary<IMethodSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var sender in _senders.Keys.OrderBy(m => m.ToDisplayString(), System.StringComparer.Ordinal))
        {
            for (var method = sender; method is not null; method = method.OverriddenMethod?.OriginalDefinition)
            {
                Add(method, sender);
                foreach (var implemented in interfaceMethods.TryGetValue(method, out var found) ? found : [])
                {
                    Add(implemented, sender);
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
