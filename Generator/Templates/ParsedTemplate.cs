using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>A node of a parsed template.</summary>
internal abstract record TemplateNode(TextSpan Span, LinePositionSpan LineSpan);

/// <summary>Literal text, written as is.</summary>
internal sealed record TextNode(string Text, TextSpan Span, LinePositionSpan LineSpan) : TemplateNode(Span, LineSpan);

/// <summary><c>{{ name }}</c>: a top-level variable written to the output.</summary>
internal sealed record VariableNode(string Name, string Source, TextSpan Span, LinePositionSpan LineSpan) : TemplateNode(Span, LineSpan);

/// <summary>A syntax error in a template.</summary>
internal sealed record TemplateError(string Message, TextSpan Span, LinePositionSpan LineSpan);

/// <summary>A parsed template: its nodes, or the errors that stopped it.</summary>
internal sealed record ParsedTemplate(EquatableArray<TemplateNode> Nodes, EquatableArray<TemplateError> Errors);

/// <summary>A node bound to the email's members.</summary>
internal abstract record BoundNode(string Source);

/// <summary>Literal text.</summary>
internal sealed record BoundText(string Text) : BoundNode(Text);

/// <summary>A property of the email written to the output.</summary>
internal sealed record BoundProperty(Model.PropertySpec Property, string Source) : BoundNode(Source);

/// <summary>A template bound to an email: nodes the emitter turns into statements.</summary>
internal sealed record BoundTemplate(EquatableArray<BoundNode> Nodes);
