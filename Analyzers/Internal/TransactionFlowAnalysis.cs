using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

/// <summary>A place where a transaction begins.</summary>
/// <param name="Begin">The <c>BeginTransaction</c> call or <c>new TransactionScope(...)</c>.</param>
/// <param name="Kind">Scope or database transaction.</param>
/// <param name="Holder">Where the transaction object is kept (a local, field or flow capture), if anywhere.</param>
/// <param name="Bit">The bit that stands for this transaction in a flow state.</param>
internal sealed record TransactionSite(IOperation Begin, TransactionKind Kind, HolderKey? Holder, ulong Bit);

/// <summary>
/// A send (or a call) that can run while a transaction is open, and (the first of) the transactions open there.
/// <paramref name="Site"/> is the invocation, or the method group a call runs (<c>orders.ForEach(mailer.Send)</c>).
/// </summary>
internal readonly record struct SendInTransaction(IOperation Site, IMethodSymbol Method, TransactionSite Transaction);

/// <summary>What a delegate runs: the graph of a lambda or local function, or another method (a method group).</summary>
internal readonly record struct DelegateTarget(ControlFlowGraph? Body, IMethodReferenceOperation? MethodGroup);

/// <summary>What one method's analysis found.</summary>
/// <param name="Sends">Sends that run while a transaction begun in the method is open (TM3001).</param>
/// <param name="SendWhenCalled">A send that runs when the method runs, while its caller's transaction is still open, if any.</param>
/// <param name="Calls">Calls to the compilation's own methods made while a transaction begun in the method is open.</param>
internal sealed record TransactionFlowResult(List<SendInTransaction> Sends, (IOperation Site, IMethodSymbol Method)? SendWhenCalled, List<SendInTransaction> Calls);

/// <summary>
/// A forward "may be open" data-flow analysis over a method's <see cref="ControlFlowGraph"/>: which transactions
/// can be open at each point. A state is a bit set of <see cref="TransactionSite"/>s (a method with more than 64
/// begin sites shares the last bit among the rest, which can only end them together).
/// </summary>
/// <remarks>
/// <para>A transaction opens at <c>new TransactionScope(...)</c> (not <c>Suppress</c>), a call that returns a
/// <c>TransactionScope</c>, or a <c>Begin…Transaction…</c> call that returns an EF Core or ADO.NET transaction. What
/// holds it is tracked through assignments and flow captures (<c>var tx = cond ? Begin() : null</c>). It ends at:</para>
/// <list type="bullet">
/// <item>Commit, Rollback or Dispose (sync or async) on the variable, field or capture that holds it, including the
/// implicit Dispose of a <c>using</c> (the graph's finally region);</item>
/// <item>Commit/Rollback/Dispose on a transaction whose origin is not tracked (<c>db.Database.CurrentTransaction</c>,
/// <c>command.Transaction</c>), which ends every database transaction, and EF Core's
/// <c>Database.CommitTransaction()</c>/<c>RollbackTransaction()</c>;</item>
/// <item>a call whose name contains <c>Commit</c> or <c>Rollback</c> that is passed the transaction, or any such call
/// when the transaction object was not kept (a unit of work that begins and commits for you);</item>
/// <item>the end of the scope of the local that holds it (unless something else still holds it);</item>
/// <item>the null side of a null check of what holds it (<c>tx?.Commit()</c>, <c>if (tx != null)</c>).</item>
/// </list>
/// <para><c>TransactionScope.Complete()</c> does not end a scope: the transaction commits when the scope is disposed,
/// and that commit can still fail.</para>
/// <para>Lambdas, local functions and method groups passed to a call (an execution strategy's <c>Execute</c>,
/// <c>ForEach</c>, <c>Task.Run</c>, <c>Select</c>) run in the state at the call, unless the callee's name says it defers
/// them (<c>On…</c>, <c>After…</c>, <c>Register…</c>, <c>Schedule…</c>, <c>Enqueue…</c>, <c>Defer…</c>,
/// <c>Subscribe…</c>) or takes an expression tree. A lambda or method group stored in a local runs where the local is
/// invoked. Every lambda and local function is also analyzed on its own, from a state with nothing open.
/// Exceptions: a catch handler starts from every state its try block can throw in, after the finally blocks between, and
/// a finally block runs from those states too (the exception leaves through it).</para>
/// <para>The method's own graph starts with one pseudo-transaction open, the caller's (bit 0, held by nobody, so a
/// commit helper or an untracked commit ends it like any database transaction): a send reached with it still open
/// runs inside whatever transaction the method is called in.</para>
/// </remarks>
internal sealed class TransactionFlowAnalysis
{
    private static readonly string[] DeferringPrefixes = ["On", "After", "Register", "Schedule", "Enqueue", "Defer", "Subscribe"];

    private readonly TransactionSymbols _symbols;
    private readonly CancellationToken _cancellationToken;
    private readonly List<TransactionSite> _sites = new();
    private readonly Dictionary<IOperation, TransactionSite> _siteByBegin = new();
    private readonly Dictionary<HolderKey, ulong> _holderBits = new();
    private readonly Dictionary<HolderKey, List<HolderKey>> _captureAliases = new();
    private readonly HashSet<ControlFlowGraph> _prepared = new();
    private readonly Dictionary<ControlFlowGraph, List<ControlFlowRegion>> _tryCatchRegions = new();
    private readonly Dictionary<ControlFlowGraph, List<ControlFlowRegion>> _tryFinallyRegions = new();
    private readonly Dictionary<HolderKey, List<DelegateTarget>> _delegates = new();
    private readonly Dictionary<(ControlFlowGraph Graph, ulong Entry), ulong> _graphExits = new();
    private readonly HashSet<(ControlFlowGraph Graph, ulong Entry)> _running = new();
    private readonly Dictionary<(ControlFlowRegion Region, ulong Entry), ulong> _finallyExits = new();
    private readonly Queue<ControlFlowGraph> _standalone = new();
    private readonly HashSet<ControlFlowGraph> _queued = new();
    private readonly Dictionary<IOperation, (IMethodSymbol Method, ulong State)> _sends = new();
    private readonly Dictionary<IOperation, (IMethodSymbol Method, ulong State)> _calls = new();
    private readonly Func<IMethodSymbol, bool> _isOwnMethod;

    /// <summary>The caller's transaction, open when the method's own graph starts.</summary>
    private const ulong CallerBit = 1;

    private TransactionFlowAnalysis(ControlFlowGraph root, TransactionSymbols symbols, Func<IMethodSymbol, bool> isOwnMethod, CancellationToken cancellationToken)
    {
        _symbols = symbols;
        _isOwnMethod = isOwnMethod;
        _cancellationToken = cancellationToken;
        _sites.Add(new TransactionSite(root.OriginalOperation, TransactionKind.Database, null, CallerBit));
    }

    /// <summary>
    /// Analyzes <paramref name="root"/> (and its lambdas and local functions): the sends that can run inside a
    /// transaction, and the calls to methods for which <paramref name="isOwnMethod"/> holds made inside one.
    /// </summary>
    public static TransactionFlowResult Run(ControlFlowGraph root, TransactionSymbols symbols, Func<IMethodSymbol, bool> isOwnMethod, CancellationToken cancellationToken)
    {
        var analysis = new TransactionFlowAnalysis(root, symbols, isOwnMethod, cancellationToken);
        analysis.AnalyzeGraph(root, CallerBit);
        while (analysis._standalone.Count > 0)
        {
            analysis.AnalyzeGraph(analysis._standalone.Dequeue(), 0);
        }

        var sends = new List<SendInTransaction>();
        (IOperation Site, IMethodSymbol Method)? sendWhenCalled = null;
        foreach (var pair in analysis._sends)
        {
            var (method, state) = pair.Value;
            if ((state & ~CallerBit) != 0)
            {
                sends.Add(new SendInTransaction(pair.Key, method, analysis.FirstSite(state & ~CallerBit)));
            }

            if ((state & CallerBit) != 0 && (sendWhenCalled is not { } first || pair.Key.Syntax.SpanStart < first.Site.Syntax.SpanStart))
            {
                sendWhenCalled = (pair.Key, method);
            }
        }

        var calls = new List<SendInTransaction>(analysis._calls.Count);
        foreach (var pair in analysis._calls)
        {
            calls.Add(new SendInTransaction(pair.Key, pair.Value.Method, analysis.FirstSite(pair.Value.State)));
        }

        return new TransactionFlowResult(sends, sendWhenCalled, calls);
    }

    private TransactionSite FirstSite(ulong state)
    {
        foreach (var site in _sites)
        {
            if ((state & site.Bit) != 0)
            {
                return site;
            }
        }

        throw new InvalidOperationException("A send was recorded with no open transaction.");
    }

    /// <summary>Runs a graph from an entry state and returns the state at its exit.</summary>
    private ulong AnalyzeGraph(ControlFlowGraph graph, ulong entry)
    {
        var key = (graph, entry);
        if (_graphExits.TryGetValue(key, out var exit))
        {
            return exit;
        }

        if (!_running.Add(key))
        {
            return entry; // a local function that calls itself
        }

        Prepare(graph);
        exit = Run(graph, graph.Blocks[0].Ordinal, entry, inFinally: false);
        _running.Remove(key);
        _graphExits[key] = exit;
        return exit;
    }

    /// <summary>Runs a finally region from an entry state and returns the state at its end.</summary>
    private ulong RunFinally(ControlFlowGraph graph, ControlFlowRegion region, ulong entry)
    {
        var key = (region, entry);
        if (!_finallyExits.TryGetValue(key, out var exit))
        {
            exit = Run(graph, region.FirstBlockOrdinal, entry, inFinally: true);
            _finallyExits[key] = exit;
        }

        return exit;
    }

    /// <summary>
    /// The work-list fixpoint from one block. The result is the state at the graph's exit, or, for a finally
    /// region, at the end of the region.
    /// </summary>
    private ulong Run(ControlFlowGraph graph, int start, ulong entry, bool inFinally)
    {
        var blocks = graph.Blocks;
        var input = new ulong[blocks.Length];
        var thrown = new ulong[blocks.Length];
        var reached = new bool[blocks.Length];
        var queued = new bool[blocks.Length];
        var work = new Queue<int>();
        ulong result = 0;

        Join(start, entry);
        do
        {
            while (work.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var ordinal = work.Dequeue();
                queued[ordinal] = false;
                var block = blocks[ordinal];
                var state = input[ordinal];
                if (block.Kind == BasicBlockKind.Exit)
                {
                    result |= state;
                    continue;
                }

                // What an exception can leave the block with: the state before each operation that may throw.
                var throwing = 0UL;
                foreach (var operation in block.Operations)
                {
                    throwing |= state;
                    state = Transfer(graph, operation, state);
                }

                if (block.BranchValue is not null)
                {
                    throwing |= state;
                    state = Transfer(graph, block.BranchValue, state);
                }

                thrown[ordinal] |= throwing;
                Follow(block.ConditionalSuccessor, state);
                Follow(block.FallThroughSuccessor, state);
            }

            SeedCatchHandlers();
            RunFinallyOnExceptions();
        }
        while (work.Count > 0);

        return result;

        void Follow(ControlFlowBranch? branch, ulong state)
        {
            if (branch is null)
            {
                return;
            }

            state &= ~NullOnBranch(graph, branch);
            foreach (var region in branch.FinallyRegions)
            {
                state = RunFinally(graph, region, state);
            }

            foreach (var region in branch.LeavingRegions)
            {
                state = EndScope(region, state);
            }

            if (branch.Destination is not null)
            {
                Join(branch.Destination.Ordinal, state);
            }
            else if (inFinally && branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling)
            {
                result |= state;
            }
        }

        void Join(int ordinal, ulong state)
        {
            if (reached[ordinal] && (input[ordinal] | state) == input[ordinal])
            {
                return;
            }

            reached[ordinal] = true;
            input[ordinal] |= state;
            if (!queued[ordinal])
            {
                queued[ordinal] = true;
                work.Enqueue(ordinal);
            }
        }

        // A catch (or filter) starts from any state its try block was in, after the finally blocks in between.
        void SeedCatchHandlers()
        {
            foreach (var tryAndCatch in _tryCatchRegions[graph])
            {
                if (Thrown(tryAndCatch.NestedRegions[0]) is not { } thrown)
                {
                    continue;
                }

                for (var i = 1; i < tryAndCatch.NestedRegions.Length; i++)
                {
                    Join(tryAndCatch.NestedRegions[i].FirstBlockOrdinal, thrown);
                }
            }
        }

        // An exception leaves a try block through its finally, from any state the try block can throw in: a send
        // there runs while a transaction the try block would have committed is still open. Unwinding to the try
        // region runs its finally; what the finally leads to afterwards (a catch further out, the caller) is not followed.
        void RunFinallyOnExceptions()
        {
            foreach (var tryAndFinally in _tryFinallyRegions[graph])
            {
                _ = Thrown(tryAndFinally.NestedRegions[0]);
            }
        }

        // The states an exception can carry out of a try region, or null when none of its blocks was reached.
        ulong? Thrown(ControlFlowRegion tryRegion)
        {
            ulong? leaving = null;
            for (var ordinal = tryRegion.FirstBlockOrdinal; ordinal <= tryRegion.LastBlockOrdinal; ordinal++)
            {
                if (reached[ordinal])
                {
                    leaving = (leaving ?? 0) | Unwind(graph, blocks[ordinal], tryRegion, thrown[ordinal]);
                }
            }

            return leaving;
        }
    }

    /// <summary>The state an exception carries from <paramref name="block"/> out to the handlers of <paramref name="tryRegion"/>.</summary>
    private ulong Unwind(ControlFlowGraph graph, BasicBlock block, ControlFlowRegion tryRegion, ulong state)
    {
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            // The locals of a try block are gone by the time its finally runs.
            state = EndScope(region, state);
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndFinally } tryAndFinally)
            {
                state = RunFinally(graph, tryAndFinally.NestedRegions[1], state);
            }

            if (region == tryRegion)
            {
                break;
            }
        }

        return state;
    }

    /// <summary>
    /// Leaving a region ends the transactions held by its locals, unless something else still holds them
    /// (<c>tx = Begin()</c> in a nested block, with <c>tx</c> declared outside it). Flow captures are temporaries:
    /// a <c>using (Begin())</c> ends with its implicit Dispose, not with the capture.
    /// </summary>
    private ulong EndScope(ControlFlowRegion region, ulong state)
    {
        foreach (var local in region.Locals)
        {
            var key = HolderKey.ForSymbol(local);
            var held = _holderBits.Get(key);
            if (held == 0)
            {
                continue;
            }

            foreach (var other in _holderBits)
            {
                if (!other.Key.Equals(key) && !other.Key.IsCapture)
                {
                    held &= ~other.Value;
                }
            }

            state &= ~held;
        }

        return state;
    }

    /// <summary>Applies one operation tree, in evaluation order (children before parents).</summary>
    private ulong Transfer(ControlFlowGraph graph, IOperation root, ulong state)
    {
        var stack = new Stack<(IOperation Operation, bool ChildrenDone)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (operation, childrenDone) = stack.Pop();
            if (childrenDone)
            {
                state = Visit(graph, operation, state);
                continue;
            }

            stack.Push((operation, true));
            foreach (var child in operation.ChildOperations.Reverse())
            {
                stack.Push((child, false));
            }
        }

        return state;
    }

    private ulong Visit(ControlFlowGraph graph, IOperation operation, ulong state)
    {
        switch (operation)
        {
            case IObjectCreationOperation creation when _symbols.IsScopeBegin(creation):
                return state | Begin(graph, creation, TransactionKind.Scope).Bit;
            case IInvocationOperation invocation:
                return VisitInvocation(graph, invocation, state);
            case ISimpleAssignmentOperation assignment:
                // tx = other: tx now holds what other holds (a capture of a conditional, another local).
                var copied = HolderBits(graph, assignment.Value);
                if (copied != 0 && HolderKey.Of(graph, assignment.Target) is { } target)
                {
                    _holderBits[target] = _holderBits.Get(target) | copied;
                }

                // Action send = () => smtp.Send(mail): the lambda (or method group) runs where send() is invoked.
                if (assignment.Target is ILocalReferenceOperation local && Delegate(graph, assignment.Value) is { } stored)
                {
                    var key = HolderKey.ForSymbol(local.Local);
                    if (!_delegates.TryGetValue(key, out var targets))
                    {
                        _delegates.Add(key, targets = new List<DelegateTarget>());
                    }

                    targets.Add(stored);
                }

                return state;
            case IFlowAnonymousFunctionOperation lambda:
                AnalyzeLater(graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken));
                return state;
            default:
                return state;
        }
    }

    private ulong VisitInvocation(ControlFlowGraph graph, IInvocationOperation invocation, ulong state)
    {
        var method = invocation.TargetMethod;

        // Code the call runs before it returns: the local function it is, and the callbacks passed to it.
        if (method.MethodKind == MethodKind.LocalFunction && LocalFunctionGraph(graph, method) is { } called)
        {
            state = AnalyzeGraph(called, state);
        }

        if (!IsDeferring(method))
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Type.TypeKind == TypeKind.Delegate && Delegate(graph, argument.Value) is { } callback)
                {
                    state = RunDelegate(callback, state);
                }
            }
        }

        // send(): a local that holds a lambda or method group.
        if (method.MethodKind == MethodKind.DelegateInvoke && invocation.Instance?.WalkDownConversion() is ILocalReferenceOperation local
            && _delegates.TryGetValue(HolderKey.ForSymbol(local.Local), out var stored))
        {
            var after = state;
            foreach (var target in stored)
            {
                after |= RunDelegate(target, state);
            }

            state = after;
        }

        if (Record(invocation, method, state))
        {
            return state;
        }

        if (_symbols.IsDatabaseBegin(invocation))
        {
            return state | Begin(graph, invocation, TransactionKind.Database).Bit;
        }

        if (_symbols.IsScopeFactory(invocation))
        {
            return state | Begin(graph, invocation, TransactionKind.Scope).Bit;
        }

        return End(graph, invocation, state);
    }

    private ulong End(ControlFlowGraph graph, IInvocationOperation invocation, ulong state)
    {
        var name = invocation.TargetMethod.Name;
        var receiver = invocation.Receiver();
        if (receiver is not null)
        {
            switch (name)
            {
                case "Commit" or "CommitAsync" or "Rollback" or "RollbackAsync" or "Dispose" or "DisposeAsync":
                    var held = HolderBits(graph, receiver);
                    if (held != 0)
                    {
                        return state & ~held;
                    }

                    if (_symbols.IsDatabaseTransaction(receiver.Type))
                    {
                        return state & ~KindBits(TransactionKind.Database);
                    }

                    if ((name is "Dispose" && _symbols.IsTransactionScope(receiver.Type))
                        || (name is "Rollback" && _symbols.IsSystemTransaction(receiver.Type)))
                    {
                        return state & ~KindBits(TransactionKind.Scope);
                    }

                    break;
                case "CommitTransaction" or "CommitTransactionAsync" or "RollbackTransaction" or "RollbackTransactionAsync"
                    when _symbols.IsDatabaseFacade(receiver.Type):
                    return state & ~KindBits(TransactionKind.Database);
            }
        }

        if (name.IndexOf("Commit", StringComparison.Ordinal) >= 0 || name.IndexOf("Rollback", StringComparison.Ordinal) >= 0)
        {
            // A helper that commits or rolls back: it ends the transactions passed to it, and those nobody kept.
            var ended = UnheldBits();
            foreach (var argument in invocation.Arguments)
            {
                ended |= HolderBits(graph, argument.Value);
            }

            state &= ~ended;
        }

        return state;
    }

    /// <summary>
    /// Records a send, or a call that may reach a method of the compilation that sends (its own method, or an
    /// interface, abstract or virtual method that one of its types may implement or override). True for a send.
    /// </summary>
    private bool Record(IOperation site, IMethodSymbol method, ulong state)
    {
        if (_symbols.IsSend(method))
        {
            if (state != 0)
            {
                _sends[site] = (method, (_sends.TryGetValue(site, out var sent) ? sent.State : 0) | state);
            }

            return true;
        }

        if ((state & ~CallerBit) != 0 && method.MethodKind == MethodKind.Ordinary
            && (_isOwnMethod(method) || method.IsAbstract || method.IsVirtual || method.IsOverride))
        {
            _calls[site] = (method, (_calls.TryGetValue(site, out var called) ? called.State : 0) | (state & ~CallerBit));
        }

        return false;
    }

    /// <summary>Runs a delegate in place: a lambda or local function's graph, or a call to the method of a method group.</summary>
    private ulong RunDelegate(DelegateTarget target, ulong state)
    {
        if (target.Body is { } body)
        {
            return AnalyzeGraph(body, state);
        }

        if (target.MethodGroup is { } reference)
        {
            Record(reference, reference.Method, state);
        }

        return state;
    }

    private TransactionSite Begin(ControlFlowGraph graph, IOperation begin, TransactionKind kind)
    {
        if (!_siteByBegin.TryGetValue(begin, out var site))
        {
            var holder = FindHolder(graph, begin);
            site = new TransactionSite(begin, kind, holder, 1UL << Math.Min(_sites.Count, 63));
            _sites.Add(site);
            _siteByBegin.Add(begin, site);
            if (holder is { } key)
            {
                _holderBits[key] = _holderBits.Get(key) | site.Bit;
            }
        }

        return site;
    }

    /// <summary>Where the transaction a begin returns is stored: <c>tx = Begin()</c>, <c>using (Begin())</c>.</summary>
    private static HolderKey? FindHolder(ControlFlowGraph graph, IOperation begin)
    {
        var value = begin.WalkUpValue();
        return value.Parent switch
        {
            ISimpleAssignmentOperation assignment when assignment.Value == value => HolderKey.Of(graph, assignment.Target),
            IFlowCaptureOperation capture => HolderKey.ForCapture(graph, capture.Id),
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => HolderKey.ForSymbol(declarator.Symbol),
            _ => null,
        };
    }

    /// <summary>The transactions held by what an operation refers to (through flow captures).</summary>
    private ulong HolderBits(ControlFlowGraph graph, IOperation operation)
    {
        if (HolderKey.Of(graph, operation) is not { } key)
        {
            return 0;
        }

        if (!_captureAliases.TryGetValue(key, out var aliases))
        {
            return _holderBits.Get(key);
        }

        var bits = 0UL;
        foreach (var alias in aliases)
        {
            bits |= _holderBits.Get(alias);
        }

        return bits;
    }

    /// <summary>
    /// The transactions known to be absent on a branch: on the null side of <c>tx == null</c>, <c>tx is null</c>,
    /// <c>tx != null</c>, <c>tx is not null</c>, and the null check of <c>tx?.Commit()</c>.
    /// </summary>
    private ulong NullOnBranch(ControlFlowGraph graph, ControlFlowBranch branch)
    {
        var block = branch.Source;
        if (block.BranchValue is null || block.ConditionKind == ControlFlowConditionKind.None)
        {
            return 0;
        }

        var (tested, nullWhenTrue) = block.BranchValue.WalkDownConversion() switch
        {
            IIsNullOperation isNull => (isNull.Operand, true),
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary
                => (IsNullLiteral(binary.RightOperand) ? binary.LeftOperand : IsNullLiteral(binary.LeftOperand) ? binary.RightOperand : null,
                    binary.OperatorKind == BinaryOperatorKind.Equals),
            IIsPatternOperation { Pattern: IConstantPatternOperation constant } pattern when IsNullLiteral(constant.Value) => (pattern.Value, true),
            IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation constant } } pattern
                when IsNullLiteral(constant.Value) => (pattern.Value, false),
            _ => ((IOperation?)null, false),
        };
        if (tested is null)
        {
            return 0;
        }

        var conditionTrue = (branch == block.ConditionalSuccessor) == (block.ConditionKind == ControlFlowConditionKind.WhenTrue);
        return conditionTrue == nullWhenTrue ? HolderBits(graph, tested) : 0;

        static bool IsNullLiteral(IOperation operation) => operation.ConstantValue is { HasValue: true, Value: null };
    }

    private ulong KindBits(TransactionKind kind)
    {
        var bits = 0UL;
        foreach (var site in _sites)
        {
            if (site.Kind == kind)
            {
                bits |= site.Bit;
            }
        }

        return bits;
    }

    private ulong UnheldBits()
    {
        var bits = 0UL;
        foreach (var site in _sites)
        {
            if (site.Holder is null)
            {
                bits |= site.Bit;
            }
        }

        return bits;
    }

    /// <summary>Records, once per graph, what each flow capture stands for, its try/catch regions and its local functions.</summary>
    private void Prepare(ControlFlowGraph graph)
    {
        if (!_prepared.Add(graph))
        {
            return;
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                foreach (var node in operation.DescendantsAndSelf())
                {
                    if (node is IFlowCaptureOperation capture)
                    {
                        var key = HolderKey.ForCapture(graph, capture.Id);
                        if (!_captureAliases.TryGetValue(key, out var aliases))
                        {
                            aliases = [key];
                            _captureAliases.Add(key, aliases);
                        }

                        if (HolderKey.Of(graph, capture.Value) is { } captured)
                        {
                            aliases.AddRange(_captureAliases.TryGetValue(captured, out var transitive) ? transitive : [captured]);
                        }
                    }
                }
            }
        }

        var tryCatchRegions = new List<ControlFlowRegion>();
        var tryFinallyRegions = new List<ControlFlowRegion>();
        CollectTryRegions(graph.Root, tryCatchRegions, tryFinallyRegions);
        _tryCatchRegions.Add(graph, tryCatchRegions);
        _tryFinallyRegions.Add(graph, tryFinallyRegions);

        foreach (var localFunction in graph.LocalFunctions)
        {
            AnalyzeLater(graph.GetLocalFunctionControlFlowGraph(localFunction, _cancellationToken));
        }

        static void CollectTryRegions(ControlFlowRegion region, List<ControlFlowRegion> tryCatch, List<ControlFlowRegion> tryFinally)
        {
            if (region.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                tryCatch.Add(region);
            }
            else if (region.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                tryFinally.Add(region);
            }

            foreach (var nested in region.NestedRegions)
            {
                CollectTryRegions(nested, tryCatch, tryFinally);
            }
        }
    }

    /// <summary>Queues a lambda or local function to be analyzed on its own, from a state with nothing open.</summary>
    private void AnalyzeLater(ControlFlowGraph graph)
    {
        if (_queued.Add(graph))
        {
            _standalone.Enqueue(graph);
        }
    }

    private static bool IsDeferring(IMethodSymbol method)
    {
        foreach (var prefix in DeferringPrefixes)
        {
            if (method.Name.StartsWithWord(prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What a delegate value runs; <see langword="null"/> for anything else, such as an expression tree.</summary>
    private DelegateTarget? Delegate(ControlFlowGraph graph, IOperation value)
        => value.WalkDownConversion() switch
        {
            IDelegateCreationOperation { Target: IFlowAnonymousFunctionOperation lambda } => new DelegateTarget(graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), null),
            IDelegateCreationOperation { Target: IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction } reference }
                => LocalFunctionGraph(graph, reference.Method) is { } body ? new DelegateTarget(body, null) : null,
            IDelegateCreationOperation { Target: IMethodReferenceOperation reference } => new DelegateTarget(null, reference),
            _ => null,
        };

    /// <summary>The graph of a local function declared in this graph or an enclosing one.</summary>
    private ControlFlowGraph? LocalFunctionGraph(ControlFlowGraph graph, IMethodSymbol localFunction)
    {
        var definition = localFunction.OriginalDefinition;
        for (var current = graph; current is not null; current = current.Parent)
        {
            foreach (var declared in current.LocalFunctions)
            {
                if (SymbolEqualityComparer.Default.Equals(declared, definition))
                {
                    return current.GetLocalFunctionControlFlowGraph(declared, _cancellationToken);
                }
            }
        }

        return null;
    }
}
