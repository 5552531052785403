using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;
using TypedMail.Generator.Templates;

namespace TypedMail.Generator;

public sealed partial class EmailGenerator
{
    /// <summary>Symbols to specs. The only part of the generator that touches <see cref="ISymbol"/>.</summary>
    internal static class Parser
    {
        private const string TemplateExtension = ".scriban";

        public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken)
            => node is TypeDeclarationSyntax;

        public static EmailParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            var location = LocationInfo.From(declaration.Identifier.GetLocation());

            if (!type.IsRecord || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return Fail(DiagnosticDescriptors.EmailTypeMustBePartialRecord, location, type.Name);
            }

            if (type.ContainingType is not null)
            {
                return Fail(DiagnosticDescriptors.EmailTypeMustBeTopLevel, location, type.Name, "nested in another type");
            }

            if (type.IsGenericType)
            {
                return Fail(DiagnosticDescriptors.EmailTypeMustBeTopLevel, location, type.Name, "generic");
            }

            var templateBaseName = type.Name;
            foreach (var attribute in context.Attributes)
            {
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Template" && argument.Value.Value is string name && name.Length > 0)
                    {
                        templateBaseName = name;
                    }
                }
            }

            var properties = new List<PropertySpec>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property
                        && seen.Add(property.Name))
                    {
                        properties.Add(new PropertySpec(
                            property.Name,
                            Naming.ToSnakeCase(property.Name),
                            property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
                                SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)),
                            KindOf(property.Type)));
                    }
                }
            }

            var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
            var spec = new EmailSpec(
                ns,
                type.Name,
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                type.DeclaredAccessibility == Accessibility.Public,
                type.IsValueType,
                templateBaseName,
                properties.ToEquatableArray(),
                location);
            return new EmailParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        public static bool IsTemplateFile(AdditionalText file)
            => file.Path.EndsWith(TemplateExtension, StringComparison.OrdinalIgnoreCase);

        public static TemplateFileSpec? ParseTemplateFile(AdditionalText file, CancellationToken cancellationToken)
        {
            var name = Path.GetFileName(file.Path);
            name = name.Substring(0, name.Length - TemplateExtension.Length);
            TemplateKind kind;
            if (name.EndsWith(".subject", StringComparison.OrdinalIgnoreCase))
            {
                kind = TemplateKind.Subject;
            }
            else if (name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
            {
                kind = TemplateKind.Html;
            }
            else if (name.EndsWith(".text", StringComparison.OrdinalIgnoreCase))
            {
                kind = TemplateKind.Text;
            }
            else
            {
                return null;
            }

            var text = file.GetText(cancellationToken);
            if (text is null)
            {
                return null;
            }

            var baseName = name.Substring(0, name.LastIndexOf('.'));
            return new TemplateFileSpec(file.Path, baseName, kind, TemplateParser.Parse(text, cancellationToken));
        }

        private static ValueKind KindOf(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_String)
            {
                return ValueKind.String;
            }

            if (type.SpecialType == SpecialType.System_Boolean)
            {
                return ValueKind.Boolean;
            }

            foreach (var i in type.AllInterfaces)
            {
                if (i.ToDisplayString() == "System.IFormattable")
                {
                    return ValueKind.Formattable;
                }
            }

            return ValueKind.Other;
        }

        private static EmailParseResult Fail(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
            => new(null, new[] { DiagnosticInfo.Create(descriptor, location, arguments) }.ToEquatableArray());
    }
}
