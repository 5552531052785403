using System;
using Microsoft.CodeAnalysis;

namespace TypedMail.Analyzers.Internal;

internal static class SymbolExtensions
{
    /// <summary>Whether <paramref name="type"/> is <paramref name="baseOrInterface"/>, derives from it, or implements it.</summary>
    public static bool IsOrInheritsFrom(this ITypeSymbol? type, INamedTypeSymbol? baseOrInterface)
    {
        if (type is null || baseOrInterface is null)
        {
            return false;
        }

        if (baseOrInterface.TypeKind == TypeKind.Interface)
        {
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, baseOrInterface))
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, baseOrInterface))
                {
                    return true;
                }
            }

            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseOrInterface))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The result type of an awaitable <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>, else the type itself.</summary>
    public static ITypeSymbol? UnwrapTask(this ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.Name is "Task" or "ValueTask"
            && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            return named.TypeArguments[0];
        }

        return type;
    }

    /// <summary>
    /// Whether a method name starts with <paramref name="word"/> as a whole word in PascalCase:
    /// <c>OnCompleted</c> starts with <c>On</c>, <c>Once</c> does not.
    /// </summary>
    public static bool StartsWithWord(this string name, string word)
        => name.StartsWith(word, StringComparison.Ordinal)
            && (name.Length == word.Length || char.IsUpper(name[word.Length]) || !char.IsLetter(name[word.Length]));
}
