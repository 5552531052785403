using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace TypedMail.Generator.Model;

/// <summary>A location as plain values, so pipeline outputs never hold a <see cref="Location"/>.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>The location in the compilation's syntax tree of that path, or in an external file (a template) when there is none.</summary>
    public Location ToLocation(Compilation compilation)
    {
        if (!EmailGenerator.Parser.IsTemplatePath(FilePath))
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath)
                {
                    return Location.Create(tree, Span);
                }
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
