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

        private const string EmailSampleAttributeName = "TypedMail.EmailSampleAttribute";

        /// <summary>The preview catalog's view of an [Email] record: its name and its [EmailSample] members.</summary>
        public static CatalogEntryResult ParseCatalogEntry(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (Parse(context, cancellationToken).Spec is not { } email)
            {
                return new CatalogEntryResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var type = (INamedTypeSymbol)context.TargetSymbol;
            var samples = new List<SampleSpec>();
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsImplicitlyDeclared || !HasAttribute(member, EmailSampleAttributeName))
                {
                    continue;
                }

                var (returnType, isMethod, shapeOk) = member switch
                {
                    IPropertySymbol p => (p.Type, false, p.GetMethod is not null && !p.IsIndexer),
                    IMethodSymbol m => (m.ReturnType, true, m.MethodKind == MethodKind.Ordinary && m.Parameters.Length == 0 && !m.IsGenericMethod),
                    _ => ((ITypeSymbol?)null, false, false),
                };
                var problem = !member.IsStatic ? "not static"
                    : !shapeOk ? "not a property or a parameterless, non-generic method"
                    : member.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal ? "not visible to generated code (make it public or internal)"
                    : !SymbolEqualityComparer.Default.Equals(returnType, type) ? $"returning '{returnType?.ToDisplayString() ?? "nothing"}'"
                    : null;
                if (problem is null)
                {
                    samples.Add(new SampleSpec(member.Name, isMethod));
                }
                else
                {
                    var location = member.Locations.Length > 0 ? LocationInfo.From(member.Locations[0]) : email.Location;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmailSample, location, type.Name + "." + member.Name, problem, type.Name));
                }
            }

            return new CatalogEntryResult(
                new CatalogEntrySpec(email.EmailTypeName, email.FullyQualifiedName, samples.ToEquatableArray()),
                diagnostics.ToEquatableArray());
        }

        private static bool HasAttribute(ISymbol symbol, string attributeName)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == attributeName)
                {
                    return true;
                }
            }

            return false;
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
