using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using TypedMail.Generator.Templates;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>The one catalog of builtins: the docs list exactly its names, and the binder and TM2015 follow it.</summary>
public sealed class BuiltinCatalogTests
{
    [Fact]
    public void Docs_list_exactly_the_catalog()
    {
        var docs = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "templates.md"));
        var table = docs.SkipWhile(l => l != "### Builtins").Skip(1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2).ToList();
        var compiled = new SortedSet<string>(System.StringComparer.Ordinal);
        var notCompiled = new SortedSet<string>(System.StringComparer.Ordinal);
        var allOthers = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (var row in table)
        {
            var cells = row.Split('|');
            var obj = Names(cells[1]).Single();
            compiled.UnionWith(Names(cells[2]).Select(n => obj + "." + n));
            notCompiled.UnionWith(Names(cells[3]).Select(n => obj + "." + n));
            if (cells[3].Contains("every", System.StringComparison.Ordinal))
            {
                allOthers.Add(obj);
            }
        }

        var objects = table.Select(r => Names(r.Split('|')[1]).Single()).ToList();
        Assert.Equal(BuiltinCatalog.Objects.OrderBy(o => o, System.StringComparer.Ordinal), objects);
        Assert.Equal(BuiltinCatalog.Functions.Keys.Concat(BuiltinCatalog.Properties).OrderBy(n => n, System.StringComparer.Ordinal), compiled);
        Assert.Equal(BuiltinCatalog.Unsupported.OrderBy(n => n, System.StringComparer.Ordinal), notCompiled);
        Assert.Equal(BuiltinCatalog.UnsupportedObjects.OrderBy(n => n, System.StringComparer.Ordinal), allOthers);
    }

    [Fact]
    public void A_member_named_like_any_builtin_object_or_include_is_reported()
    {
        var names = BuiltinCatalog.Objects.Concat(BuiltinCatalog.GlobalFunctions).ToList();
        var members = string.Join(", ", names.Select(n => "string " + char.ToUpperInvariant(n[0]) + n[1..]));
        var result = GeneratorHarness.Run(
            $"using TypedMail; [Email] public partial record Welcome({members});",
            ("Welcome.subject.scriban", "Hi"), ("Welcome.text.scriban", "Hello"));
        var hidden = result.GeneratorDiagnostics.Where(d => d.Id == "TM2015").Select(d => Regex.Match(d.GetMessage(), "builtin object '([a-z]+)'").Groups[1].Value);
        Assert.Equal(names.Order(), hidden.Order());
    }

    [Fact]
    public void The_binder_checks_every_function_against_the_catalog()
    {
        // One call per function with one argument too many (TM2006, with the catalog's arity), one per unsupported builtin (TM2003).
        var calls = BuiltinCatalog.Functions.Values.Select(f => "{{ " + f.Name + string.Concat(Enumerable.Repeat(" 1", f.Parameters.Length + 1)) + " }}");
        var unsupported = BuiltinCatalog.Unsupported.Concat(BuiltinCatalog.UnsupportedObjects.Select(o => o + ".escape")).Select(n => "{{ " + n + " 1 }}");
        var template = string.Join("\n", calls.Concat(unsupported));
        var result = GeneratorHarness.Run("using TypedMail; [Email] public partial record Welcome(string Name);",
            ("Welcome.subject.scriban", "Hi"), ("Welcome.text.scriban", template));

        var arity = result.GeneratorDiagnostics.Where(d => d.Id == "TM2006").Select(d => d.GetMessage()).ToList();
        foreach (var function in BuiltinCatalog.Functions.Values)
        {
            var all = function.Parameters.Length;
            var expected = function.RequiredCount == all ? Count(all) : $"{function.RequiredCount} to {Count(all)}";
            Assert.Contains($"'{function.Name}' takes {expected}, not {all + 1}", arity);
        }

        Assert.Equal(BuiltinCatalog.Functions.Count, arity.Count);
        Assert.Equal(BuiltinCatalog.Unsupported.Length + BuiltinCatalog.UnsupportedObjects.Length, result.GeneratorDiagnostics.Count(d => d.Id == "TM2003"));
        Assert.Equal(arity.Count + BuiltinCatalog.Unsupported.Length + BuiltinCatalog.UnsupportedObjects.Length, result.GeneratorDiagnostics.Length);
    }

    private static string Count(int n) => n == 1 ? "1 argument" : n + " arguments";

    private static IEnumerable<string> Names(string cell) => Regex.Matches(cell, "`([a-z_0-9]+)`").Select(m => m.Groups[1].Value);
}
