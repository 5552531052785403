using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

/// <summary>An <c>Enqueue</c> whose email is never saved, and the context it was enqueued on.</summary>
internal readonly record struct UnsavedEnqueue(IInvocationOperation Enqueue, ILocalSymbol Context);

/// <summary>
/// Finds <c>Enqueue</c> calls on a context that the method creates itself (<c>new</c>, <c>CreateDbContext[Async]</c>)
/// and keeps to itself, after which no path of the control flow graph reaches a save on that context.
/// </summary>
/// <remarks>
/// <para>A save is any call on the context whose name contains <c>Save</c> (<c>SaveChanges</c>,
/// <c>SaveChangesAsync</c>, <c>BulkSaveChanges</c>, a user's <c>SaveChangesWithAuditAsync</c>). Committing a transaction
/// does not count: it does not write the change tracker, so the email is still lost.</para>
/// <para>The context must stay in the method: a context that is passed to another method or constructor,
/// stored, returned, or captured by a lambda or local function may be saved elsewhere, so it is never reported.
/// Neither is a context that comes from a parameter, field or property. Exceptional paths are not followed:
/// a save only in a catch block does not count, and an early return that abandons the unit of work on purpose is
/// not reported as long as some path saves. An enqueue in a finally block is followed to wherever the finally block
/// goes on to (after the try block, an outer finally block).</para>
/// </remarks>
internal sealed class UnsavedEnqueueAnalysis
{
    private readonly OutboxSymbols _symbols;
    private readonly ControlFlowGraph _graph;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<CaptureId, List<IOperation>> _captures = new();
    private readonly Dictionary<ILocalSymbol, bool> _ownContexts = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, HashSet<(int Block, int Index)>> _saves = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ILocalSymbol> _declared = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ControlFlowRegion, List<int>> _finallyContinuations = new();

    private UnsavedEnqueueAnalysis(OutboxSymbols symbols, ControlFlowGraph graph, CancellationToken cancellationToken)
    {
        _symbols = symbols;
        _graph = graph;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The unsaved enqueues in <paramref name="root"/> and in each of its lambdas and local functions.</summary>
    public static List<UnsavedEnqueue> Run(ControlFlowGraph root, OutboxSymbols symbols, CancellationToken cancellationToken)
    {
        var found = new List<UnsavedEnqueue>();
        var graphs = new Queue<ControlFlowGraph>();
        graphs.Enqueue(root);
        while (graphs.Count > 0)
        {
            var graph = graphs.Dequeue();
            new UnsavedEnqueueAnalysis(symbols, graph, cancellationToken).Analyze(found, graphs);
        }

        return found;
    }

    private void Analyze(List<UnsavedEnqueue> found, Queue<ControlFlowGraph> nestedGraphs)
    {
        CollectDeclared(_graph.Root);
        foreach (var localFunction in _graph.LocalFunctions)
        {
            nestedGraphs.Enqueue(_graph.GetLocalFunctionControlFlowGraph(localFunction, _cancellationToken));
        }

        var enqueues = new List<(int Block, int Index, IInvocationOperation Invocation)>();
        ForEachOperation((block, index, node) =>
        {
            switch (node)
            {
                case IFlowCaptureOperation capture:
                    if (!_captures.TryGetValue(capture.Id, out var values))
                    {
                        _captures.Add(capture.Id, values = new List<IOperation>());
                    }

                    values.Add(capture.Value);
                    break;
                case IFlowAnonymousFunctionOperation lambda:
                    nestedGraphs.Enqueue(_graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken));
                    break;
                case IInvocationOperation invocation when _symbols.IsEnqueue(invocation.TargetMethod):
                    enqueues.Add((block, index, invocation));
                    break;
            }
        });

        foreach (var (block, index, enqueue) in enqueues)
        {
            if (enqueue.Receiver() is { } outbox && ContextOf(outbox) is { } context && IsOwnContext(context) && !SaveFollows(block, index, context))
            {
                found.Add(new UnsavedEnqueue(enqueue, context));
            }
        }
    }

    /// <summary>The local context an outbox expression comes from: <c>db.Emails()</c>, or a local assigned only from it.</summary>
    private ILocalSymbol? ContextOf(IOperation outbox)
    {
        switch (Resolve(outbox))
        {
            case IInvocationOperation emails when _symbols.IsEmails(emails.TargetMethod):
                return emails.ArgumentFor(0) is { } argument && Resolve(argument.Value) is ILocalReferenceOperation context
                    && _symbols.IsDbContext(context.Local.Type)
                    ? context.Local
                    : null;
            case ILocalReferenceOperation local when _symbols.IsEmailOutbox(local.Local.Type):
                ILocalSymbol? found = null;
                var consistent = StaysInMethod(local.Local, value =>
                {
                    var context = value.WalkDownConversion() is IInvocationOperation emails && _symbols.IsEmails(emails.TargetMethod)
                        && emails.ArgumentFor(0)?.Value.WalkDownConversion() is ILocalReferenceOperation reference
                        ? reference.Local
                        : null;
                    found ??= context;
                    return context is not null && SymbolEqualityComparer.Default.Equals(found, context);
                });
                return consistent && found is not null && _symbols.IsDbContext(found.Type) ? found : null;
            default:
                return null;
        }
    }

    /// <summary>Whether the context is a local of this method that is only ever created here and never leaves it.</summary>
    private bool IsOwnContext(ILocalSymbol context)
    {
        if (!_ownContexts.TryGetValue(context, out var own))
        {
            var created = false;
            own = _declared.Contains(context) && StaysInMethod(context, value => created = _symbols.IsContextCreation(value)) && created;
            _ownContexts.Add(context, own);
        }

        return own;
    }

    /// <summary>
    /// Whether every definition of a local passes <paramref name="isDefinition"/> and every other use stays in the
    /// method: a member access or call on it, or the <c>this</c> argument of an extension method. Anything else
    /// (an argument, a stored or returned value, a capture by a lambda or local function, <c>out</c>/<c>ref</c>)
    /// lets it leave.
    /// </summary>
    private bool StaysInMethod(ILocalSymbol local, System.Func<IOperation, bool> isDefinition)
    {
        var root = _graph.OriginalOperation;
        foreach (var node in root.Descendants())
        {
            switch (node)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    if (declarator.Parent is not IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation or IUsingOperation or IUsingDeclarationOperation } declaration)
                    {
                        return false; // a foreach or catch variable
                    }

                    var initializer = declarator.Initializer ?? declaration.Initializer;
                    if (initializer is not null && !isDefinition(initializer.Value))
                    {
                        return false;
                    }

                    break;
                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local):
                    if (IsInNestedFunction(reference, root) || !IsInPlaceUse(reference, isDefinition))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    private static bool IsInPlaceUse(IOperation reference, System.Func<IOperation, bool> isDefinition)
    {
        var current = reference;
        while (current.Parent is IConversionOperation conversion)
        {
            current = conversion;
        }

        return current.Parent switch
        {
            IInvocationOperation invocation => invocation.Instance == current,
            IMemberReferenceOperation member => member.Instance == current,
            IArgumentOperation { Parameter.Ordinal: 0, Parent: IInvocationOperation { TargetMethod.IsExtensionMethod: true } } => true,
            IConditionalAccessOperation conditional => conditional.Operation == current,
            IUsingOperation @using => @using.Resources == current,
            ISimpleAssignmentOperation assignment => assignment.Target == current && isDefinition(assignment.Value),
            _ => false,
        };
    }

    private static bool IsInNestedFunction(IOperation operation, IOperation root)
    {
        for (var current = operation.Parent; current is not null && current != root; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the saves on a context are: (block ordinal, index of the operation in the block).</summary>
    private HashSet<(int Block, int Index)> SavesOf(ILocalSymbol context)
    {
        if (!_saves.TryGetValue(context, out var saves))
        {
            saves = new HashSet<(int Block, int Index)>();
            ForEachOperation((block, index, node) =>
            {
                if (node is IInvocationOperation invocation && invocation.TargetMethod.Name.Contains("Save")
                    && invocation.Receiver() is { } receiver && Resolve(receiver) is ILocalReferenceOperation local
                    && SymbolEqualityComparer.Default.Equals(local.Local, context))
                {
                    saves.Add((block, index));
                }
            });
            _saves.Add(context, saves);
        }

        return saves;
    }

    /// <summary>Whether a save on the context runs after the operation at (block, index) on some path.</summary>
    private bool SaveFollows(int startBlock, int startIndex, ILocalSymbol context)
    {
        var saves = SavesOf(context);
        foreach (var save in saves)
        {
            if (save.Block == startBlock && save.Index > startIndex)
            {
                return true;
            }
        }

        var blocks = _graph.Blocks;
        var visited = new bool[blocks.Length];
        var work = new Stack<int>();
        Successors(blocks[startBlock]);
        while (work.Count > 0)
        {
            var ordinal = work.Pop();
            if (visited[ordinal])
            {
                continue;
            }

            visited[ordinal] = true;
            foreach (var save in saves)
            {
                if (save.Block == ordinal)
                {
                    return true;
                }
            }

            Successors(blocks[ordinal]);
        }

        return false;

        void Successors(BasicBlock block)
        {
            Add(block.ConditionalSuccessor);
            Add(block.FallThroughSuccessor);
        }

        void Add(ControlFlowBranch? branch)
        {
            if (branch is null)
            {
                return;
            }

            foreach (var region in branch.FinallyRegions)
            {
                work.Push(region.FirstBlockOrdinal);
            }

            if (branch.Destination is not null)
            {
                work.Push(branch.Destination.Ordinal);
            }
            else if (branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling
                && Enclosing(branch.Source, ControlFlowRegionKind.Finally) is { } finallyRegion)
            {
                // The end of a finally block goes on to wherever it was entered from.
                foreach (var continuation in FinallyContinuations(finallyRegion))
                {
                    work.Push(continuation);
                }
            }
        }
    }

    private static ControlFlowRegion? Enclosing(BasicBlock block, ControlFlowRegionKind kind)
    {
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == kind)
            {
                return region;
            }
        }

        return null;
    }

    /// <summary>
    /// Where control goes after a finally region ends normally: the next finally regions and the destination of
    /// every branch that runs it (leaving its try block by falling through, <c>break</c>, <c>continue</c> or <c>return</c>).
    /// </summary>
    private List<int> FinallyContinuations(ControlFlowRegion finallyRegion)
    {
        if (!_finallyContinuations.TryGetValue(finallyRegion, out var continuations))
        {
            continuations = new List<int>();
            foreach (var block in _graph.Blocks)
            {
                foreach (var branch in new[] { block.ConditionalSuccessor, block.FallThroughSuccessor })
                {
                    var index = branch is null ? -1 : branch.FinallyRegions.IndexOf(finallyRegion);
                    if (index < 0)
                    {
                        continue;
                    }

                    if (index + 1 < branch!.FinallyRegions.Length)
                    {
                        continuations.Add(branch.FinallyRegions[index + 1].FirstBlockOrdinal);
                    }
                    else if (branch.Destination is not null)
                    {
                        continuations.Add(branch.Destination.Ordinal);
                    }
                }
            }

            _finallyContinuations.Add(finallyRegion, continuations);
        }

        return continuations;
    }

    /// <summary>Looks through flow captures (the graph's temporaries) to the one value they hold.</summary>
    private IOperation? Resolve(IOperation operation)
    {
        operation = operation.WalkDownConversion();
        while (operation is IFlowCaptureReferenceOperation reference)
        {
            if (!_captures.TryGetValue(reference.Id, out var values) || values.Count != 1)
            {
                return null;
            }

            operation = values[0].WalkDownConversion();
        }

        return operation;
    }

    private void ForEachOperation(System.Action<int, int, IOperation> visit)
    {
        foreach (var block in _graph.Blocks)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            for (var index = 0; index < block.Operations.Length; index++)
            {
                foreach (var node in block.Operations[index].DescendantsAndSelf())
                {
                    visit(block.Ordinal, index, node);
                }
            }

            if (block.BranchValue is not null)
            {
                foreach (var node in block.BranchValue.DescendantsAndSelf())
                {
                    visit(block.Ordinal, block.Operations.Length, node);
                }
            }
        }
    }

    private void CollectDeclared(ControlFlowRegion region)
    {
        foreach (var local in region.Locals)
        {
            _declared.Add(local);
        }

        foreach (var nested in region.NestedRegions)
        {
            CollectDeclared(nested);
        }
    }
}
