using System.Linq;
using TypedMail.Generator.Model;
using TypedMail.Generator.Templates;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>The binder's output, read from the pipeline: what each template is as a bound tree, before any C# is written.</summary>
public sealed class BoundTreeTests
{
    private const string Source = "using TypedMail; [Email] public partial record Welcome(string Name, int Seats, bool Trial);";

    [Fact]
    public void A_template_of_text_only_is_its_text()
    {
        var subject = Bind(("Welcome.subject.scriban", "Hello {%{there}%}"), ("Welcome.text.scriban", "x")).Single(t => t.Kind == TemplateKind.Subject).Body;
        Assert.Equal("Hello there", subject.ConstantText);
        Assert.Empty(subject.Statements);
    }

    [Fact]
    public void Values_are_written_by_kind_and_blocks_are_nodes()
    {
        var html = Bind(
            ("Welcome.subject.scriban", "Hi"),
            ("Welcome.html.scriban", "<p>{{ name }}</p>{{ if trial }}{{ seats }}{{ else }}{{ name | html.escape }}{{ end }}")).Single(t => t.Kind == TemplateKind.Html).Body;
        Assert.Null(html.ConstantText);
        var statements = html.Statements.Where(s => s is not BoundComment).ToList();
        Assert.Equal(new BoundText("<p>"), statements[0]);
        Assert.Equal(BoundWriteKind.EncodedText, Assert.IsType<BoundWrite>(statements[1]).Kind);
        Assert.Equal(new BoundText("</p>"), statements[2]);
        var @if = Assert.IsType<BoundIf>(statements[3]);
        Assert.Equal(BoundWriteKind.Text, Assert.IsType<BoundWrite>(@if.Then.Single(s => s is not BoundComment)).Kind);

        // An escaped value is HTML already: written as is, not encoded twice.
        var escaped = Assert.IsType<BoundWrite>(@if.Else.Single(s => s is not BoundComment));
        Assert.Equal(BoundWriteKind.Text, escaped.Kind);
        Assert.Equal(BoundKind.Html, escaped.Value.Type.Kind);
    }

    [Fact]
    public void Members_literals_and_operators_are_typed_nodes()
    {
        var write = Assert.IsType<BoundWrite>(Text("{{ seats * 1.5 }}").Single());
        var multiply = Assert.IsType<BoundBinary>(write.Value);
        Assert.Equal((BinaryOperator.Multiply, BoundKind.Double), (multiply.Operator, multiply.Type.Kind));

        // The member is converted to the operation's type; the literal keeps its kind and its text.
        var widened = Assert.IsType<BoundConversion>(multiply.Left);
        Assert.Equal((ConversionKind.Cast, BoundKind.Double), (widened.Kind, widened.Type.Kind));
        var seats = Assert.IsType<BoundMember>(widened.Operand);
        Assert.Equal(("Seats", false, BoundType.Int32), (seats.Member, seats.NullConditional, seats.Type));
        Assert.Equal(BoundKind.Model, Assert.IsType<BoundModel>(seats.Target).Type.Kind);
        Assert.Equal(new BoundLiteral(BoundType.Double, "1.5"), multiply.Right);
    }

    [Fact]
    public void Integer_arithmetic_is_checked_at_run_time()
    {
        var write = Assert.IsType<BoundWrite>(Text("{{ seats + 1 }}").Single());
        var add = Assert.IsType<BoundRuntimeCall>(write.Value);
        Assert.Equal((RuntimeOperation.CheckedAdd, BoundKind.Int64), (add.Operation, add.Type.Kind));
        Assert.Equal("Seats", Assert.IsType<BoundMember>(add.Arguments[0]).Member);
        Assert.Equal(new BoundLiteral(BoundType.Int32, "1"), add.Arguments[1]);
        Assert.Equal(BoundLiteral.String("Welcome.text.scriban(1,10)"), add.Arguments[2]);
    }

    [Fact]
    public void A_pipe_is_a_call_naming_its_catalog_entry()
    {
        var write = Assert.IsType<BoundWrite>(Text("{{ name | string.truncate 5 }}").Single());
        var call = Assert.IsType<BoundBuiltinCall>(write.Value);
        Assert.Equal("string.truncate", call.Function);
        Assert.True(BuiltinCatalog.Functions.ContainsKey(call.Function));
        Assert.Equal([0, 1], call.Arguments.Select(a => a.Parameter));

        // Each argument is converted as its parameter says: text for `text`, an integer for `length`.
        var text = Assert.IsType<BoundConversion>(call.Arguments[0].Value);
        Assert.Equal(ConversionKind.TextArgument, text.Kind);
        Assert.Equal("Name", Assert.IsType<BoundMember>(text.Operand).Member);
        var length = Assert.IsType<BoundConversion>(call.Arguments[1].Value);
        Assert.Equal(ConversionKind.Integer, length.Kind);
        Assert.Equal(new BoundLiteral(BoundType.Int32, "5"), length.Operand);
    }

    [Fact]
    public void Conditions_and_comparisons_carry_their_semantic_operation()
    {
        var @if = Assert.IsType<BoundIf>(Text("{{ if name == \"Ann\" && seats > 2 }}x{{ end }}").Single());
        var truthy = Assert.IsType<BoundConversion>(@if.Condition);
        Assert.Equal(ConversionKind.Truthy, truthy.Kind);
        var and = Assert.IsType<BoundBinary>(truthy.Operand);
        Assert.Equal(BinaryOperator.And, and.Operator);
        var equal = Assert.IsType<BoundBinary>(Assert.IsType<BoundConversion>(and.Left).Operand);
        Assert.Equal(BinaryOperator.Equal, equal.Operator);
        Assert.True(equal.Left.Type.IsText && equal.Right.Type.IsText);
        var greater = Assert.IsType<BoundBinary>(Assert.IsType<BoundConversion>(and.Right).Operand);
        Assert.Equal(BinaryOperator.Greater, greater.Operator);
        Assert.False(and.IsConstant);
    }

    [Fact]
    public void Constants_are_found_on_the_tree()
    {
        // A comparison of literals would be folded by C#: it is constant, so its condition goes through a call.
        var constant = Assert.IsType<BoundIf>(Text("{{ if 1 < 2 }}x{{ end }}").Single());
        Assert.True(Assert.IsType<BoundConversion>(constant.Condition).Operand.IsConstant);

        // Text comparisons are calls that C# does not fold; a member is never constant.
        Assert.False(Assert.IsType<BoundConversion>(Assert.IsType<BoundIf>(Text("{{ if \"a\" == \"b\" }}x{{ end }}").Single()).Condition).Operand.IsConstant);
        Assert.False(Assert.IsType<BoundConversion>(Assert.IsType<BoundIf>(Text("{{ if seats < 2 }}x{{ end }}").Single()).Condition).Operand.IsConstant);
    }

    [Fact]
    public void Values_known_only_at_run_time_use_run_time_operations()
    {
        var statements = Text("{{ x = [1, \"a\"] }}{{ x[0] + 1 }}");
        var assign = Assert.IsType<BoundAssign>(statements[0]);
        var list = Assert.IsType<BoundListLiteral>(assign.Value);
        Assert.All(list.Items, i => Assert.Equal(ConversionKind.Box, Assert.IsType<BoundConversion>(i).Kind));
        var add = Assert.IsType<BoundRuntimeCall>(Assert.IsType<BoundWrite>(statements[1]).Value);
        Assert.Equal(RuntimeOperation.Add, add.Operation);
        var item = Assert.IsType<BoundRuntimeCall>(add.Arguments[0]);
        Assert.Equal((RuntimeOperation.Item, BoundKind.Dynamic), (item.Operation, item.Type.Kind));
    }

    [Fact]
    public void Bound_trees_are_equatable()
    {
        const string template = "{{ for s in 1..seats }}{{ s | math.plus 1 }}{{ name ?? \"-\" }}{{ end }}";
        Assert.Equal(Text(template), Text(template));
        Assert.NotEqual(Text(template), Text(template.Replace("math.plus", "math.minus")));
    }

    /// <summary>The statements of a text template, without the comments that quote the template.</summary>
    private static System.Collections.Generic.List<BoundStatement> Text(string template)
        => Bind(("Welcome.subject.scriban", "Hi"), ("Welcome.text.scriban", template)).Single(t => t.Kind == TemplateKind.Text).Body.Statements.Where(s => s is not BoundComment).ToList();

    private static System.Collections.Generic.List<BoundTemplateSpec> Bind(params (string Path, string Text)[] templates)
    {
        var result = GeneratorHarness.Run(Source, templates);
        Assert.Empty(result.GeneratorDiagnostics);
        var model = (EmailModel)result.RunResult.Results.Single().TrackedSteps[TrackingNames.EmailModels].Single().Outputs.Single().Value;
        return model.Templates.ToList();
    }
}
