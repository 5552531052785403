using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace TypedMail.Generator.Tests.Fuzzing;

/// <summary>
/// A seeded, grammar-based generator of templates over TypedMail's Scriban subset, typed against <see cref="FuzzModel"/>
/// so most templates compile: text with whitespace control and auto-indentation, expressions of every value type with
/// operators, pipes into every supported builtin, member access and indexers into nested objects and lists (nulls
/// included), <c>if / else if / else</c>, <c>case / when</c>, <c>for</c> with <c>offset limit reversed</c>, loop
/// variables, <c>break</c> and <c>continue</c>, <c>while</c>, <c>capture</c>, assignments, comments and raw blocks.
/// </summary>
public sealed class TemplateGrammar
{
    private enum Ty
    {
        Str,
        Int,
        Dec,
        Dbl,
        Bool,
        Date,
        Item,
        Address,
        Items,
        Strs,
        Ints,
        Decs,
    }

    private static readonly string[] StringLiterals = ["\"\"", "\"a\"", "\"Hello\"", "'it\\'s'", "\"<&>\"", "\"é\"", "\" x \"", "\"one two three\"", "\"a\\nb\"", "\"100%\"", "'Zoë'", "\"x,y\"", "`raw\\n`"];

    private static readonly string[] DatePatterns = ["%Y-%m-%d", "%d %b %Y", "%A %B %e", "%H:%M:%S", "%I %p %P", "%j %U %W %V", "%a %c", "%D %F %T", "%y %C %u %w", "%k|%l|%L", "%x %X", "%R %r", "%q %%", "%h %n %t"];

    private static readonly string[] NumberFormats = ["0.00", "#,##0.00", "N2", "P1", "0", "F3", "00000", "#.#"];

    private static readonly string[] ObjectFormats = ["yyyy-MM-dd", "HH:mm", "dddd d MMMM", "0.0", "D3", "G"];

    private readonly Random _random;
    private readonly StringBuilder _out = new();
    private readonly List<(string Name, Ty Type)> _scope = [];
    private readonly Dictionary<string, Ty> _variables = new(StringComparer.Ordinal);
    private int _loopDepth;
    private int _forDepth;
    private int _nesting;

    private TemplateGrammar(Random random)
    {
        _random = random;
        _scope.AddRange([
            ("name", Ty.Str), ("nick", Ty.Str), ("count", Ty.Int), ("big", Ty.Int), ("price", Ty.Dec), ("ratio", Ty.Dbl), ("scale", Ty.Dbl),
            ("flag", Ty.Bool), ("maybe", Ty.Bool), ("optional", Ty.Int), ("placed_at", Ty.Date), ("later", Ty.Date), ("address", Ty.Address),
            ("items", Ty.Items), ("tags", Ty.Strs), ("numbers", Ty.Ints), ("amounts", Ty.Decs),
        ]);
    }

    /// <summary>The template for one seed.</summary>
    public static string Generate(Random random)
    {
        var grammar = new TemplateGrammar(random);
        var blocks = random.Next(1, 5);
        for (var i = 0; i < blocks; i++)
        {
            grammar.Block();
        }

        return grammar._out.ToString();
    }

    private bool Chance(int percent) => _random.Next(100) < percent;

    private T Pick<T>(params T[] options) => options[_random.Next(options.Length)];

    private void Text()
    {
        _out.Append(Pick("", " ", "\n", "Hi ", "\n  ", "  ", " - ", "<p>", "</p>\n", "\t", "a\n\nb", "\r\n", "x "));
    }

    private string Open() => Pick("{{ ", "{{ ", "{{ ", "{{- ", "{{~ ");

    private string Close() => Pick(" }}", " }}", " }}", " -}}", " ~}}");

    private void Tag(string code) => _out.Append(Open()).Append(code).Append(Close());

    private void Block()
    {
        Text();
        _nesting++;
        var deep = _nesting > 2;
        switch (deep ? _random.Next(3) : _random.Next(14))
        {
            case 0:
            case 1:
                Tag(Expr(AnyType(), 0));
                break;
            case 2:
                Assign();
                break;
            case 3:
                If();
                break;
            case 4:
                Case();
                break;
            case 5:
            case 6:
                For();
                break;
            case 7:
                While();
                break;
            case 8:
                Capture();
                break;
            case 9:
                _out.Append(Pick("{%{ {{ name }} }%}", "{%%{ a }%} b }%%}", "{%{~ raw ~}%}", "{{ # comment }}", "{{ ## multi\nline ## }}", "{{ \"{{\" }}"));
                break;
            case 10:
                // Auto-indentation: a block on an indented line.
                _out.Append(Pick("\n    ", "\n  ", "\n\t"));
                Tag(Expr(Ty.Str, 0));
                break;
            case 11:
                Tag(Expr(AnyType(), 0) + "; " + Expr(AnyType(), 0));
                break;
            case 12:
                Tag(Expr(Ty.Str, 0) + " | " + StringFunction());
                break;
            default:
                if (_loopDepth > 0)
                {
                    Tag(Pick("if " + Expr(Ty.Bool, 1) + "; break; end", "if " + Expr(Ty.Bool, 1) + "; continue; end"));
                }
                else
                {
                    Tag(Expr(Ty.Date, 0) + " | date.to_string " + Quote(Pick(DatePatterns)));
                }

                break;
        }

        Text();
        _nesting--;
    }

    private void Body()
    {
        var count = _random.Next(1, 3);
        for (var i = 0; i < count; i++)
        {
            Block();
        }
    }

    private void Assign()
    {
        var type = Pick(Ty.Str, Ty.Int, Ty.Dec, Ty.Dbl, Ty.Bool, Ty.Strs);
        var name = "v_" + type.ToString().ToLowerInvariant();
        var op = _variables.ContainsKey(name) && type is Ty.Int or Ty.Str && Chance(40) ? Pick("+=", type == Ty.Int ? "*=" : "+=") : "=";
        Tag(name + " " + op + " " + Expr(type, 1));
        _variables[name] = type;
        if (Chance(60))
        {
            Tag(name);
        }
    }

    private void If()
    {
        Tag("if " + Expr(Ty.Bool, 0));
        Body();
        if (Chance(40))
        {
            Tag("else if " + Expr(Ty.Bool, 0));
            Body();
        }

        if (Chance(50))
        {
            Tag("else");
            Body();
        }

        Tag("end");
    }

    private void Case()
    {
        var (subject, values) = Pick(
            ("status", new[] { "\"Pending\"", "\"Shipped\"", "\"Delivered\"", "0", "1", "2" }),
            ("count", new[] { "0", "1", "2", "\"1\"", "2147483647" }),
            ("name", new[] { "\"Ada\"", "\"Bob\"", "\"x\"", "\"\"" }),
            ("address.zip", new[] { "0", "1000" }));
        Tag("case " + subject);
        var whens = _random.Next(1, 4);
        for (var i = 0; i < whens; i++)
        {
            Tag("when " + string.Join(", ", Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Pick(values))));
            Body();
        }

        if (Chance(50))
        {
            Tag("else");
            Body();
        }

        Tag("end");
    }

    private void For()
    {
        var (source, element) = Pick(
            ("items", Ty.Item), ("tags", Ty.Strs), ("numbers", Ty.Int), ("amounts", Ty.Dec), ("(1..3)", Ty.Int), ("(3..1)", Ty.Int),
            ("(0..<(count % 4))", Ty.Int), ("(items | array.reverse)", Ty.Item), ("(tags | array.sort)", Ty.Strs), ("(numbers | array.uniq)", Ty.Int), ("name", Ty.Strs));
        var elementType = element == Ty.Strs ? Ty.Str : element;
        var variable = "e" + _forDepth;
        var options = new List<string>();
        if (Chance(30))
        {
            options.Add("offset:" + _random.Next(0, 3));
        }

        if (Chance(30))
        {
            options.Add("limit:" + _random.Next(0, 4));
        }

        if (Chance(30))
        {
            options.Add("reversed");
        }

        Tag($"for {variable} in {source}{string.Concat(options.OrderBy(_ => _random.Next()).Select(o => " " + o))}");
        _scope.Add((variable, elementType));
        _loopDepth++;
        _forDepth++;
        Body();
        if (Chance(40))
        {
            Tag(Pick("for.index", "for.rindex", "for.first", "for.last", "for.even", "for.odd", "for.changed", "for.length"));
        }

        _forDepth--;
        _loopDepth--;
        _scope.RemoveAt(_scope.Count - 1);
        if (Chance(30))
        {
            Tag("else");
            Body();
        }

        Tag("end");
    }

    private void While()
    {
        var counter = "w" + _nesting;
        Tag($"{counter} = 0");
        Tag($"while {counter} < {_random.Next(0, 4)}");
        _loopDepth++;
        Tag($"{counter} += 1");
        Body();
        if (Chance(40))
        {
            Tag(Pick("while.index", "while.first", "while.even", "while.odd"));
        }

        _loopDepth--;
        Tag("end");
    }

    private void Capture()
    {
        Tag("capture c_text");
        Body();
        Tag("end");
        _variables["c_text"] = Ty.Str;
        Tag("c_text | " + StringFunction());
    }

    private Ty AnyType() => Pick(Ty.Str, Ty.Str, Ty.Int, Ty.Dec, Ty.Dbl, Ty.Bool, Ty.Date, Ty.Strs, Ty.Ints);

    private string Variable(Ty type)
    {
        var candidates = _scope.Where(v => v.Type == type).Select(v => v.Name)
            .Concat(_variables.Where(v => v.Value == type).Select(v => v.Key))
            .ToList();
        return candidates.Count == 0 ? null! : candidates[_random.Next(candidates.Count)];
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\"";

    private string Expr(Ty type, int depth)
    {
        var leaf = depth >= 3 || Chance(35);
        var expression = type switch
        {
            Ty.Str => leaf ? StrLeaf() : StrExpr(depth + 1),
            Ty.Int => leaf ? IntLeaf() : IntExpr(depth + 1),
            Ty.Dec => leaf ? DecLeaf() : DecExpr(depth + 1),
            Ty.Dbl => leaf ? DblLeaf() : DblExpr(depth + 1),
            Ty.Bool => BoolExpr(depth + 1, leaf),
            Ty.Date => leaf ? Pick("placed_at", "later") : DateExpr(depth + 1),
            Ty.Item => Pick("(items | array.first)", "(items | array.last)", "items[0]", "items[-1]", "items[1]"),
            Ty.Address => Pick("address", "no_address"),
            Ty.Items => Pick("items", "(items | array.limit 2)", "(items | array.offset 1)", "(items | array.sort \"price\")", "(items | array.sort \"name\")"),
            Ty.Strs => leaf ? Pick("tags", "(tags | array.compact)") : Pick("(tags | array.uniq)", "(tags | array.reverse)", "(tags | array.concat [\"z\"])", "(name | string.split \" \")", "(items | array.map \"name\")", "(tags | array.sort)"),
            Ty.Ints => Pick("numbers", "(numbers | array.sort)", "(numbers | array.uniq)", "[1, 2, 3]", "(items | array.map \"quantity\")"),
            _ => throw new InvalidOperationException(type.ToString()),
        };

        // Nested expressions are parenthesized, so each one means what its generator meant; top-level ones are not.
        return depth == 0 || leaf ? expression : "(" + expression + ")";
    }

    private string StrLeaf()
    {
        var variable = Variable(Ty.Str);
        return Chance(40) || variable is null
            ? Pick(StringLiterals)
            : Chance(80) ? variable : Pick("address.street", "address.city", "items[0].name", "items[0].note", "tags[0]", "tags[-1]", "no_address?.city", "items[0]?.origin?.street");
    }

    private string StrExpr(int depth) => _random.Next(14) switch
    {
        0 => Expr(Ty.Str, depth) + " + " + Expr(Pick(Ty.Str, Ty.Int, Ty.Dec, Ty.Bool, Ty.Dbl), depth),
        1 => Expr(Ty.Str, depth) + " ?? " + Expr(Ty.Str, depth),
        2 => "(" + Expr(Ty.Bool, depth) + " ? " + Expr(Ty.Str, depth) + " : " + Expr(Ty.Str, depth) + ")",
        3 => Expr(Pick(Ty.Int, Ty.Dec, Ty.Dbl), depth) + " | math.format " + Quote(Pick(NumberFormats)),
        4 => Expr(Ty.Date, depth) + " | date.to_string " + Quote(Pick(DatePatterns)),
        5 => Expr(Pick(Ty.Date, Ty.Int, Ty.Dec), depth) + " | object.format " + Quote(Pick(ObjectFormats)),
        6 => Expr(Pick(Ty.Strs, Ty.Ints), depth) + " | array.join " + Pick("\", \"", "\"\"", "\"|\""),
        7 => Expr(Ty.Int, depth) + " | string.pluralize \"item\" \"items\"",
        8 => "$\"[" + "{" + Expr(Pick(Ty.Str, Ty.Int, Ty.Dec), depth) + "}]\"",
        9 => "(" + Expr(Ty.Str, depth) + " | object.default " + Expr(Ty.Str, depth) + ")",
        10 => Expr(Ty.Str, depth) + "[" + Pick("0", "-1", "2") + "]",
        11 => Pick("(items | array.first)?.name", "(items | array.last)?.note", "address.zip + \"\"", "status + \"\"", "\"-\" * 3"),
        _ => "(" + Expr(Ty.Str, depth) + " | " + StringFunction() + ")",
    };

    /// <summary>A pipe target taking a string and giving a string (every supported string and html builtin).</summary>
    private string StringFunction() => _random.Next(30) switch
    {
        0 => "string.upcase",
        1 => "string.downcase",
        2 => "string.capitalize",
        3 => "string.capitalizewords",
        4 => Pick("string.strip", "string.lstrip", "string.rstrip"),
        5 => "string.append " + Expr(Ty.Str, 3),
        6 => "string.prepend " + Expr(Ty.Str, 3),
        7 => "string.truncate " + _random.Next(0, 12),
        8 => "string.truncate " + _random.Next(0, 12) + " " + Pick("\"…\"", "\"\"", "\"--\""),
        9 => "string.truncatewords " + _random.Next(0, 4),
        10 => "string.truncatewords " + _random.Next(0, 4) + " " + Pick("\"…\"", "\"\"", "\"!\""),
        11 => "string.replace " + Pick("\"a\"", "\" \"", "\"&\"") + " " + Pick("\"b\"", "\"\"", "\"&amp;\""),
        12 => "string.replace_first \"e\" \"E\"",
        13 => Pick("string.remove", "string.remove_first", "string.remove_last") + " " + Pick("\"a\"", "\" \"", "\"o\""),
        14 => "string.slice " + Pick("1", "(-2)", "0 2", "2 10", "(-3) 2"),
        15 => "string.slice1 " + Pick("1", "(-2)", "0 2"),
        16 => Pick("string.pad_left", "string.pad_right") + " " + _random.Next(0, 12),
        17 => "string.handleize",
        18 => "string.strip_newlines",
        19 => "html.escape",
        20 => "html.url_encode",
        21 => "html.url_escape",
        22 => "html.newline_to_br",
        23 => "html.strip",
        24 => "string.md5",
        25 => "string.sha256",
        26 => "string.hmac_sha1 \"key\"",
        27 => "string.append " + Expr(Ty.Int, 3),
        28 => "object.default \"(none)\"",
        _ => "string.prepend \"> \"",
    };

    private string IntLeaf()
    {
        var variable = Variable(Ty.Int);
        return Chance(40) || variable is null
            ? Pick("0", "1", "2", "7", "(-3)", "2147483647", "1e3", "100")
            : Chance(70) ? variable : Pick("address.zip", "items[0].quantity", "numbers[0]", "numbers[-1]", "items.size", "tags.size", "name.size", "numbers.size");
    }

    private string IntExpr(int depth) => _random.Next(12) switch
    {
        0 => Expr(Ty.Int, depth) + Pick(" + ", " - ", " * ") + Expr(Ty.Int, depth),
        1 => Expr(Ty.Int, depth) + Pick(" % ", " // ") + Pick("2", "3", "(-4)"),
        2 => Expr(Ty.Int, depth) + " | " + Pick("math.abs", "math.plus 1", "math.minus 2", "math.times 3", "math.modulo 5"),
        3 => Expr(Ty.Str, depth) + " | string.size",
        4 => Expr(Pick(Ty.Strs, Ty.Ints, Ty.Items), depth) + " | array.size",
        5 => Expr(Ty.Str, depth) + " | string.index_of " + Pick("\"a\"", "\" \""),
        6 => _loopDepth > 0 && _forDepth > 0 ? Pick("for.index", "for.rindex", "for.length") : "count",
        7 => "-" + IntLeaf(),
        8 => Expr(Ty.Int, depth) + " | math.divided_by " + Pick("2", "3"),
        9 => Pick("optional ?? 5", "(numbers | array.first) ?? 0", "(numbers | array.last) ?? (-1)"),
        10 => Expr(Ty.Str, depth) + " | object.size",
        _ => "(" + Expr(Ty.Bool, depth) + " ? " + Expr(Ty.Int, depth) + " : " + Expr(Ty.Int, depth) + ")",
    };

    private string DecLeaf() => Pick("price", "price", "items[0].price", "amounts[0]", "(amounts | array.last)", "(amounts | array.first) ?? 0");

    private string DecExpr(int depth) => _random.Next(7) switch
    {
        0 => Expr(Ty.Dec, depth) + Pick(" + ", " - ", " * ") + Expr(Pick(Ty.Dec, Ty.Int), depth),
        1 => Expr(Ty.Dec, depth) + " * " + Pick("2", "0.5", "1.5", "100"),
        2 => Expr(Ty.Dec, depth) + " / " + Pick("3", "2", "4"),
        3 => Expr(Ty.Dec, depth) + " | " + Pick("math.round 2", "math.round", "math.ceil", "math.floor", "math.abs", "math.round 1"),
        4 => Expr(Ty.Dec, depth) + " // " + Pick("2", "3"),
        5 => "-" + DecLeaf(),
        _ => Expr(Ty.Dec, depth) + " % " + Pick("2", "7"),
    };

    private string DblLeaf()
    {
        var variable = Variable(Ty.Dbl);
        return Chance(40) || variable is null
            ? Pick("2.5", "0.1", "1.0", "0.30000000000000004", "1e-3", "3.14159")
            : Chance(70) ? variable : Pick("ratio", "scale", "items[0].weight");
    }

    private string DblExpr(int depth) => _random.Next(7) switch
    {
        0 => Expr(Ty.Dbl, depth) + Pick(" + ", " - ", " * ") + Expr(Pick(Ty.Dbl, Ty.Int), depth),
        1 => Expr(Ty.Int, depth) + " / " + Pick("2", "3", "7", "4"),
        2 => Expr(Ty.Dbl, depth) + " | " + Pick("math.round 2", "math.round", "math.ceil", "math.floor", "math.abs"),
        3 => Expr(Ty.Dbl, depth) + " // " + Pick("2", "0.5"),
        4 => Expr(Ty.Dbl, depth) + " | math.divided_by " + Pick("2", "2.5", "4"),
        5 => Expr(Ty.Str, depth) + " | " + Pick("string.to_double", "string.to_float"),
        _ => "-" + DblLeaf(),
    };

    private string BoolExpr(int depth, bool leaf)
    {
        if (leaf)
        {
            return Pick("flag", "maybe", "true", "false", "null", "items[0].in_stock", "nick", "no_address", "tags.empty?", "name.empty?");
        }

        return _random.Next(12) switch
        {
            0 => Expr(Ty.Int, depth) + Pick(" == ", " != ", " < ", " <= ", " > ", " >= ") + Expr(Pick(Ty.Int, Ty.Dec, Ty.Dbl), depth),
            1 => Expr(Ty.Str, depth) + Pick(" == ", " != ", " < ", " > ") + Expr(Pick(Ty.Str, Ty.Int), depth),
            2 => Expr(Ty.Bool, depth) + Pick(" && ", " || ") + Expr(Ty.Bool, depth),
            3 => "!" + Pick("flag", "maybe", "(" + Expr(Ty.Bool, depth) + ")"),
            4 => Expr(Ty.Str, depth) + " | " + Pick("string.contains", "string.starts_with", "string.ends_with", "string.equals_ignore_case") + " " + Pick("\"a\"", "\"\"", "\"Ada\"", "\" \""),
            5 => Expr(Ty.Str, depth) + " | " + Pick("string.empty", "string.whitespace"),
            6 => Pick("nick", "later", "optional", "maybe", "no_address", "items[0]?.note") + Pick(" == null", " != null"),
            7 => Pick("status == \"Shipped\"", "status == 1", "status != \"Pending\"", "placed_at > later", "placed_at.year >= 2024"),
            8 => _forDepth > 0 ? Pick("for.first", "for.last", "for.even", "for.odd", "for.changed") : "flag",
            9 => Expr(Pick(Ty.Strs, Ty.Ints), depth) + " | array.contains " + Pick("\"Ada\"", "1", "\"x\""),
            10 => Expr(Pick(Ty.Int, Ty.Str, Ty.Dec), depth) + " | math.is_number",
            _ => Expr(Ty.Dec, depth) + Pick(" == ", " > ", " < ") + Pick("12.5", "0", "price"),
        };
    }

    private string DateExpr(int depth) => _random.Next(6) switch
    {
        0 => Expr(Ty.Date, depth) + " | " + Pick("date.add_days", "date.add_hours", "date.add_minutes", "date.add_seconds", "date.add_milliseconds") + " " + Pick("1", "(-2)", "1.5", "30"),
        1 => Expr(Ty.Date, depth) + " | " + Pick("date.add_months", "date.add_years") + " " + Pick("1", "(-1)", "12"),
        2 => Pick("date.parse \"2024-03-05\"", "date.parse \"2024-03-05 14:07:09\"", "date.parse \"05/03/2024\""),
        3 => "date.parse (" + Expr(Ty.Date, depth) + " | date.to_string \"%F %T\")",
        4 => Pick("later ?? placed_at", "(flag ? placed_at : later)"),
        _ => Pick("placed_at", "later"),
    };
}
