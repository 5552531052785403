using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

/// <summary>
/// Where a value lives, so that a later use can be matched to it: a local, parameter, field or property
/// (the last two only on <c>this</c> or static), or a flow capture of one control flow graph.
/// </summary>
internal readonly struct HolderKey : IEquatable<HolderKey>
{
    private readonly ISymbol? _symbol;
    private readonly ControlFlowGraph? _graph;
    private readonly CaptureId _capture;

    private HolderKey(ISymbol? symbol, ControlFlowGraph? graph, CaptureId capture)
    {
        _symbol = symbol;
        _graph = graph;
        _capture = capture;
    }

    public static HolderKey ForSymbol(ISymbol symbol) => new(symbol, null, default);

    public static HolderKey ForCapture(ControlFlowGraph graph, CaptureId capture) => new(null, graph, capture);

    /// <summary>Whether this key is a flow capture (a temporary of the graph).</summary>
    public bool IsCapture => _graph is not null;

    /// <summary>The local symbol, when this key is one.</summary>
    public ILocalSymbol? Local => _symbol as ILocalSymbol;

    /// <summary>
    /// The key of a storage location that an operation reads or writes directly, without resolving flow
    /// captures (the caller does that); <see langword="null"/> for anything else.
    /// </summary>
    public static HolderKey? Of(ControlFlowGraph graph, IOperation operation)
    {
        switch (operation.WalkDownConversion())
        {
            case ILocalReferenceOperation local:
                return ForSymbol(local.Local);
            case IParameterReferenceOperation parameter:
                return ForSymbol(parameter.Parameter);
            case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                return ForSymbol(field.Field);
            case IPropertyReferenceOperation { Arguments.Length: 0 } property when property.Instance is null or IInstanceReferenceOperation:
                return ForSymbol(property.Property);
            case IFlowCaptureReferenceOperation capture:
                return ForCapture(graph, capture.Id);
            default:
                return null;
        }
    }

    public bool Equals(HolderKey other)
        => SymbolEqualityComparer.Default.Equals(_symbol, other._symbol)
            && ReferenceEquals(_graph, other._graph)
            && _capture.Equals(other._capture);

    public override bool Equals(object? obj) => obj is HolderKey other && Equals(other);

    public override int GetHashCode()
        => _symbol is not null ? SymbolEqualityComparer.Default.GetHashCode(_symbol) : _capture.GetHashCode() ^ (_graph?.GetHashCode() ?? 0);
}
