using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

internal static class OperationExtensions
{
    /// <summary>The operation under any implicit or explicit conversions.</summary>
    public static IOperation WalkDownConversion(this IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// The value an awaited or converted expression ends up as: walks up through conversions, <c>await</c> and
    /// <c>.ConfigureAwait(...)</c>, so <c>var tx = await BeginTransactionAsync().ConfigureAwait(false)</c> gives the
    /// <c>await</c> whose parent is the assignment.
    /// </summary>
    public static IOperation WalkUpValue(this IOperation operation)
    {
        while (true)
        {
            switch (operation.Parent)
            {
                case IConversionOperation:
                case IAwaitOperation:
                    operation = operation.Parent;
                    break;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure when configure.Instance == operation:
                    operation = configure;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>
    /// The expression a method is called on: the instance, or the first argument of an extension method
    /// (IOperation shows <c>db.Emails()</c> as <c>Emails(db)</c>).
    /// </summary>
    public static IOperation? Receiver(this IInvocationOperation invocation)
    {
        if (invocation.Instance is not null)
        {
            return invocation.Instance.WalkDownConversion();
        }

        return invocation.TargetMethod.IsExtensionMethod ? invocation.ArgumentFor(0)?.Value.WalkDownConversion() : null;
    }

    /// <summary>The argument passed for the parameter at <paramref name="ordinal"/>, wherever it is written.</summary>
    public static IArgumentOperation? ArgumentFor(this IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument;
            }
        }

        return null;
    }

    /// <summary>The value under conversions, <c>await</c> and <c>.ConfigureAwait(...)</c>: the task-returning call itself.</summary>
    public static IOperation WalkDownAwait(this IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IAwaitOperation await:
                    operation = await.Operation;
                    break;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } awaited }:
                    operation = awaited;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>Whether an operation block of this kind has a control flow graph (method bodies and initializers, not attributes).</summary>
    public static bool HasFlowGraph(this OperationKind kind)
        => kind is OperationKind.MethodBody or OperationKind.ConstructorBody or OperationKind.Block
            or OperationKind.FieldInitializer or OperationKind.PropertyInitializer or OperationKind.ParameterInitializer;
}
