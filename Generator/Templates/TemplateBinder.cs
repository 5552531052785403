using System.Collections.Generic;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

/// <summary>Resolves a parsed template's variables against an email's properties.</summary>
internal static class TemplateBinder
{
    public static BoundTemplate? Bind(TemplateFileSpec file, EmailSpec email, List<DiagnosticInfo> diagnostics)
    {
        var template = file.Template;
        foreach (var error in template.Errors)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.TemplateSyntaxError,
                new LocationInfo(file.Path, error.Span, error.LineSpan),
                error.Message));
        }

        if (template.Errors.Count > 0)
        {
            return null;
        }

        var nodes = new List<BoundNode>();
        var ok = true;
        foreach (var node in template.Nodes)
        {
            switch (node)
            {
                case TextNode text:
                    nodes.Add(new BoundText(text.Text));
                    break;
                case VariableNode variable:
                    var property = Find(email, variable.Name);
                    if (property is null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.UnknownTemplateMember,
                            new LocationInfo(file.Path, variable.Span, variable.LineSpan),
                            variable.Name,
                            email.TypeName));
                        ok = false;
                        break;
                    }

                    nodes.Add(new BoundProperty(property, variable.Source));
                    break;
            }
        }

        return ok ? new BoundTemplate(nodes.ToEquatableArray()) : null;
    }

    private static PropertySpec? Find(EmailSpec email, string name)
    {
        foreach (var property in email.Properties)
        {
            if (property.TemplateName == name)
            {
                return property;
            }
        }

        return null;
    }
}
