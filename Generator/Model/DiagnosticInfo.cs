using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>A diagnostic as plain values: descriptor, location and string arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor, location, arguments.ToEquatableArray());

    /// <summary>
    /// The diagnostics of the groups, each once, in order of first appearance. In a template file, that is one per ID and
    /// location: every email that uses a shared layout or partial finds the same problems in it, and each is reported once
    /// (with the message of the first email). In C# code, equal diagnostics are merged.
    /// </summary>
    public static EquatableArray<DiagnosticInfo> Distinct(IEnumerable<EquatableArray<DiagnosticInfo>> groups)
    {
        var seen = new HashSet<(string, LocationInfo)>();
        var others = new HashSet<DiagnosticInfo>();
        var result = new List<DiagnosticInfo>();
        foreach (var group in groups)
        {
            foreach (var diagnostic in group)
            {
                if (diagnostic.Location is { } location && EmailGenerator.Parser.IsTemplatePath(location.FilePath)
                    ? seen.Add((diagnostic.Descriptor.Id, location))
                    : others.Add(diagnostic))
                {
                    result.Add(diagnostic);
                }
            }
        }

        return result.ToEquatableArray();
    }

    /// <summary>
    /// The diagnostic, located on the compilation's syntax tree when it is about C# code (so <c>#pragma warning disable</c>
    /// applies to it), or in the template file otherwise.
    /// </summary>
    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        var args = new object[Arguments.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(Descriptor, Location?.ToLocation(compilation), args);
    }
}
