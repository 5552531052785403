using Microsoft.CodeAnalysis;

namespace TypedMail.Analyzers.Internal;

internal static class CompilationExtensions
{
    /// <summary>
    /// The type with this metadata name that code in the compilation sees: the compilation's own declaration if
    /// there is one, else the only accessible one among the references; <see langword="null"/> when there is none
    /// or the name is ambiguous.
    /// </summary>
    public static INamedTypeSymbol? GetBestTypeByMetadataName(this Compilation compilation, string fullyQualifiedMetadataName)
    {
        INamedTypeSymbol? best = null;
        foreach (var type in compilation.GetTypesByMetadataName(fullyQualifiedMetadataName))
        {
            if (SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly))
            {
                return type;
            }

            if (!compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
            {
                continue;
            }

            if (best is not null)
            {
                return null;
            }

            best = type;
        }

        return best;
    }
}
