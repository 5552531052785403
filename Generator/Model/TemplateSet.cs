using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>
/// Every template file of the project, ordered by path, with lookups by name. Compared by its files, so it changes
/// only when a file does; each email then takes from it the few files it uses (<see cref="EmailInputs"/>).
/// </summary>
internal sealed class TemplateSet : IEquatable<TemplateSet>
{
    private readonly Dictionary<string, List<TemplateFileSpec>> _emails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TemplateFileSpec>> _layouts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TemplateFileSpec>> _partials = new(StringComparer.Ordinal);

    public TemplateSet(ImmutableArray<TemplateFileSpec> files)
    {
        var sorted = files.ToBuilder();
        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        Files = sorted.ToImmutable().ToEquatableArray();
        foreach (var file in Files)
        {
            var byName = file.Kind switch
            {
                TemplateKind.Layout => _layouts,
                TemplateKind.Partial => _partials,
                _ => _emails,
            };
            if (!byName.TryGetValue(file.BaseName, out var list))
            {
                byName[file.BaseName] = list = [];
            }

            list.Add(file);
        }
    }

    /// <summary>Every template file, ordered by path.</summary>
    public EquatableArray<TemplateFileSpec> Files { get; }

    /// <summary>The subject and body files named <paramref name="baseName"/>, ordered by path.</summary>
    public IReadOnlyList<TemplateFileSpec> EmailTemplates(string baseName) => Find(_emails, baseName);

    /// <summary>The layouts named <paramref name="name"/>, ordered by path (more than one is an error).</summary>
    public IReadOnlyList<TemplateFileSpec> Layouts(string name) => Find(_layouts, name);

    /// <summary>The partials named <paramref name="name"/>, ordered by path (more than one is an error).</summary>
    public IReadOnlyList<TemplateFileSpec> Partials(string name) => Find(_partials, name);

    public bool Equals(TemplateSet? other) => other is not null && Files.Equals(other.Files);

    public override bool Equals(object? obj) => Equals(obj as TemplateSet);

    public override int GetHashCode() => Files.Count;

    private static IReadOnlyList<TemplateFileSpec> Find(Dictionary<string, List<TemplateFileSpec>> byName, string name)
        => byName.TryGetValue(name, out var list) ? list : Array.Empty<TemplateFileSpec>();
}
