using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>One case of <c>shared/conformance/scriban/manifest.json</c>.</summary>
public sealed record ConformanceCase(int Number, string Input, string Tier, string Expect, bool UsesTestModel, string Template, string Expected, string Notes)
{
    /// <summary>The record (and template base name) the case compiles to.</summary>
    public string TypeName => "Case" + Number.ToString("000", CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads the public Scriban conformance corpus from <c>&lt;repo&gt;/../shared/conformance/scriban</c> and turns it into
/// C#: one <c>[Email]</c> record per case (with <c>test-model.json</c> mapped to records for the cases that use it).
/// </summary>
public static class ScribanCorpus
{
    /// <summary><c>&lt;repo&gt;/../shared/conformance/scriban</c>; fails loudly when it is missing.</summary>
    public static string Folder
    {
        get
        {
            var folder = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "conformance", "scriban"));
            return Directory.Exists(folder)
                ? folder
                : throw new DirectoryNotFoundException($"The Scriban conformance corpus is missing: expected it at {folder} (shared/ beside the repository).");
        }
    }

    public static IReadOnlyList<ConformanceCase> Load()
    {
        var folder = Folder;
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")));
        var cases = new List<ConformanceCase>();
        var number = 0;
        foreach (var entry in manifest.RootElement.GetProperty("cases").EnumerateArray())
        {
            number++;
            var input = entry.GetProperty("input").GetString()!;
            cases.Add(new ConformanceCase(
                number,
                input,
                entry.GetProperty("tier").GetString()!,
                entry.GetProperty("expect").GetString()!,
                entry.GetProperty("uses_test_model").GetBoolean(),
                ReadText(Path.Combine(folder, input)),
                ReadText(Path.Combine(folder, entry.GetProperty("expected").GetString()!)),
                entry.GetProperty("notes").GetString() ?? ""));
        }

        return cases;
    }

    /// <summary>Reads a corpus file; <see cref="File.ReadAllText(string)"/> drops the UTF-8 BOM some files start with.</summary>
    private static string ReadText(string path) => File.ReadAllText(path);

    /// <summary>C# for the cases: the test-model records, then one <c>[Email]</c> record per case.</summary>
    public static string Source(IEnumerable<ConformanceCase> cases)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System.Collections.Generic;");
        sb.AppendLine("using TypedMail;");
        sb.AppendLine("namespace Conformance;");
        var (types, factory, properties) = TestModel();
        sb.Append(types);
        foreach (var c in cases)
        {
            if (c.UsesTestModel)
            {
                sb.AppendLine($"[Email] public partial record {c.TypeName}({properties}) {{ public static {c.TypeName} Create() => new({factory}); }}");
            }
            else
            {
                sb.AppendLine($"[Email] public partial record {c.TypeName}() {{ public static {c.TypeName} Create() => new(); }}");
            }
        }

        return sb.ToString();
    }

    /// <summary>Maps <c>test-model.json</c> to records: each object key becomes a record type, arrays become lists of records.</summary>
    private static (string Types, string Factory, string Properties) TestModel()
    {
        using var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "test-model.json")));
        var types = new StringBuilder();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        var properties = new List<string>();
        var values = new List<string>();
        foreach (var property in model.RootElement.EnumerateObject())
        {
            var typeName = Pascal(property.Name) + "Model";
            properties.Add($"{TypeOf(property.Value, typeName)} {Pascal(property.Name)}");
            values.Add(ValueOf(property.Value, typeName));
        }

        return (types.ToString(), string.Join(", ", values), string.Join(", ", properties));

        string TypeOf(JsonElement value, string typeName)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    return "string";
                case JsonValueKind.Number:
                    return "int";
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return "bool";
                case JsonValueKind.Array:
                    return $"IReadOnlyList<{TypeOf(value.EnumerateArray().First(), typeName + "Item")}>";
                default:
                    if (declared.Add(typeName))
                    {
                        var members = value.EnumerateObject().Select(p => $"{TypeOf(p.Value, typeName + Pascal(p.Name))} {Pascal(p.Name)}");
                        types.AppendLine($"public sealed record {typeName}({string.Join(", ", members)});");
                    }

                    return typeName;
            }
        }

        string ValueOf(JsonElement value, string typeName) => value.ValueKind switch
        {
            JsonValueKind.String => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value.GetString()!, quote: true),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Array => "new " + TypeOf(value.EnumerateArray().First(), typeName + "Item") + "[] { " + string.Join(", ", value.EnumerateArray().Select(v => ValueOf(v, typeName + "Item"))) + " }",
            _ => $"new {typeName}({string.Join(", ", value.EnumerateObject().Select(p => ValueOf(p.Value, typeName + Pascal(p.Name))))})",
        };
    }

    private static string Pascal(string name) => string.Concat(name.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p.Substring(1)));
}
