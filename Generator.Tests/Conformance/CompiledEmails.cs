using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedMail.Generator.Tests.Infrastructure;
using TypedMail.Rendering;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Many <c>[Email]</c> records with one text template each, compiled by the generator in ONE compilation and loaded in
/// a collectible context, so thousands of templates cost a few compilations. TM2002 (unknown name) is lowered to a
/// warning, as a project can, so unknown names render empty as in Scriban.
/// </summary>
public sealed class CompiledEmails : IDisposable
{
    private readonly Dictionary<string, Outcome> _failed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Diagnostic>> _diagnostics = new(StringComparer.Ordinal);
    private readonly AssemblyLoadContext? _context;
    private readonly Assembly? _assembly;
    private readonly string _namespace;

    private CompiledEmails(string ns, AssemblyLoadContext? context, Assembly? assembly)
    {
        _namespace = ns;
        _context = context;
        _assembly = assembly;
    }

    /// <summary>
    /// Compiles <paramref name="source"/> (which declares <c>[Email] partial record {TypeName}</c> in namespace
    /// <paramref name="ns"/>) with a subject and a text template per email. An email whose generated C# does not
    /// compile is taken out (its outcome is a <see cref="OutcomeKind.Crash"/>) and the rest compiled again; an
    /// email whose generated C# has a warning also renders as a crash.
    /// </summary>
    public static CompiledEmails Compile(string ns, string source, IReadOnlyList<(string TypeName, string Template)> emails, IEnumerable<MetadataReference>? references = null)
    {
        var remaining = emails.ToList();
        var crashed = new Dictionary<string, Outcome>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var compilation = GeneratorHarness.Relaxed(CSharpCompilation.Create(
                ns + attempt,
                [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Emails.cs")],
                TestReferences.All.Concat(references ?? []),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)));
            var templates = remaining.SelectMany(e => new AdditionalText[]
            {
                new InMemoryAdditionalText($"Emails/{e.TypeName}.subject.scriban", e.TypeName),
                new InMemoryAdditionalText($"Emails/{e.TypeName}.text.scriban", e.Template),
            });
            GeneratorHarness.Driver(templates).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            using var stream = new MemoryStream();
            var emit = output.Emit(stream);
            if (!emit.Success)
            {
                var broken = new HashSet<string>(StringComparer.Ordinal);
                foreach (var error in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                {
                    var culprit = remaining.FirstOrDefault(e => (error.Location.SourceTree?.FilePath ?? "").Contains("." + e.TypeName + ".", StringComparison.Ordinal));
                    if (culprit.TypeName is not null && broken.Add(culprit.TypeName))
                    {
                        crashed[culprit.TypeName] = Outcome.Crash("generated C# does not compile: " + error);
                    }
                }

                if (broken.Count == 0)
                {
                    throw new Xunit.Sdk.XunitException("The batch does not compile:\n" + string.Join("\n", emit.Diagnostics.Take(20)));
                }

                remaining = remaining.Where(e => !broken.Contains(e.TypeName)).ToList();
                continue;
            }

            stream.Position = 0;
            var context = new AssemblyLoadContext(ns, isCollectible: true);
            var result = new CompiledEmails(ns, context, context.LoadFromStream(stream));
            foreach (var (name, outcome) in crashed)
            {
                result._failed[name] = outcome;
            }

            // Generated code must compile without warnings too (users build with TreatWarningsAsErrors).
            foreach (var warning in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning))
            {
                var culprit = remaining.FirstOrDefault(e => (warning.Location.SourceTree?.FilePath ?? "").Contains("." + e.TypeName + ".", StringComparison.Ordinal));
                if (culprit.TypeName is not null)
                {
                    result._failed.TryAdd(culprit.TypeName, Outcome.Crash("generated C# has a warning: " + warning));
                }
            }

            foreach (var diagnostic in diagnostics)
            {
                var file = Path.GetFileName(diagnostic.Location.GetLineSpan().Path);
                var dot = file.IndexOf('.', StringComparison.Ordinal);
                var name = file == "Emails.cs" ? DeclaredRecord(source, diagnostic.Location) : dot > 0 ? file.Substring(0, dot) : null;
                if (name is not null)
                {
                    if (!result._diagnostics.TryGetValue(name, out var list))
                    {
                        result._diagnostics[name] = list = [];
                    }

                    list.Add(diagnostic);
                }
            }

            return result;
        }

        throw new Xunit.Sdk.XunitException("The batch still does not compile after taking out 10 rounds of broken emails.");
    }

    /// <summary>The record declared on the line of a diagnostic located in the C# source (one record per line).</summary>
    private static string? DeclaredRecord(string source, Location location)
    {
        var line = source.Split('\n')[location.GetLineSpan().StartLinePosition.Line];
        var match = System.Text.RegularExpressions.Regex.Match(line, @"\brecord (\w+)");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The generator's diagnostics located in the email's templates or on its record.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics(string typeName) => _diagnostics.TryGetValue(typeName, out var list) ? list : [];

    /// <summary>The email's record type.</summary>
    public Type Type(string typeName) => _assembly?.GetType(_namespace + "." + typeName) ?? throw new InvalidOperationException(typeName + " is not in the batch");

    /// <summary>Renders the text body of the email <paramref name="create"/> makes from its record type.</summary>
    public Outcome Render(string typeName, Func<Type, object> create)
    {
        if (_failed.TryGetValue(typeName, out var failed))
        {
            return failed;
        }

        var errors = Diagnostics(typeName).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            return Outcome.BuildError(
                string.Join(" | ", errors.Select(e => e.Id + " " + e.Location.GetLineSpan().StartLinePosition + " " + e.GetMessage(System.Globalization.CultureInfo.InvariantCulture))),
                errors.Select(e => e.Id));
        }

        var type = Type(typeName);
        try
        {
            var email = create(type);
            var rendered = (RenderedEmail)type.GetMethod("Render")!.Invoke(email, [null])!;
            return Outcome.Output(rendered.TextBody!);
        }
        catch (TargetInvocationException e) when (e.InnerException is TemplateRuntimeException)
        {
            return Outcome.RuntimeError(e.InnerException.Message);
        }
        catch (TargetInvocationException e)
        {
            return Outcome.Crash("render threw " + e.InnerException);
        }
    }

    public void Dispose() => _context?.Unload();
}
