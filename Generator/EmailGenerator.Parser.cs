using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedMail.Deliverability;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;
using TypedMail.Generator.Templates;
using TypeKind = TypedMail.Generator.Model.TypeKind;

namespace TypedMail.Generator;

public sealed partial class EmailGenerator
{
    /// <summary>Symbols to specs. The only part of the generator that touches <see cref="ISymbol"/>.</summary>
    internal static class Parser
    {
        private const string TemplateExtension = ".scriban";

        private const string EmailSampleAttributeName = "TypedMail.EmailSampleAttribute";

        /// <summary>How deep the type graph follows members from the email record (cycles are shared, not followed).</summary>
        private const int MaxTypeDepth = 8;

        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
            SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

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

            var diagnostics = new List<DiagnosticInfo>();
            var templateBaseName = type.Name;
            string? layout = null;
            var settings = EmailSettingsSpec.None;
            foreach (var attribute in context.Attributes)
            {
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Template" && argument.Value.Value is string name && name.Length > 0)
                    {
                        templateBaseName = name;
                    }
                    else if (argument.Key == "Layout" && argument.Value.Value is string layoutName)
                    {
                        layout = layoutName;
                    }
                }

                settings = ParseSettings(type.Name, attribute, location, diagnostics, cancellationToken);
            }

            var types = new TypeGraph(diagnostics, location, cancellationToken);
            types.Add(type, 0);

            var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
            var samples = ParseSamples(type, location, diagnostics, cancellationToken);
            var spec = new EmailSpec(
                ns,
                type.Name,
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                type.DeclaredAccessibility == Accessibility.Public,
                type.IsValueType,
                templateBaseName,
                layout,
                settings,
                types.Specs.ToEquatableArray(),
                location);
            var entry = new CatalogEntrySpec(spec.EmailTypeName, spec.FullyQualifiedName, samples, templateBaseName, EquatableArray<string>.Empty);
            return new EmailParseResult(spec, entry, diagnostics.ToEquatableArray());
        }

        /// <summary>
        /// The deliverability settings of <c>[Email]</c> (category, one-click unsubscribe, headers, tags), checked with the
        /// runtime's rules (<see cref="Deliverability.DeliverabilityRules"/>); each bad value is reported (TM1201 to TM1205)
        /// at its argument and left out.
        /// </summary>
        private static EmailSettingsSpec ParseSettings(string typeName, AttributeData attribute, LocationInfo? emailLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var arguments = new AttributeArguments(attribute, emailLocation, cancellationToken);
            string? category = null;
            var categoryReported = false;
            var oneClick = false;
            var headers = new List<HeaderSpec>();
            var tags = new List<string>();
            foreach (var argument in attribute.NamedArguments)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var value = argument.Value;
                switch (argument.Key)
                {
                    case "Category" when value.Value is string name:
                        if (DeliverabilityRules.IsCategory(name))
                        {
                            category = name;
                        }
                        else
                        {
                            categoryReported = true;
                            diagnostics.Add(DiagnosticInfo.Create(
                                DiagnosticDescriptors.InvalidEmailCategory, arguments.Of("Category"), Display(name), typeName, DeliverabilityRules.CategoryRule));
                        }

                        break;
                    case "OneClickUnsubscribe" when value.Value is true:
                        oneClick = true;
                        break;
                    case "Headers" when value.Kind == TypedConstantKind.Array && !value.IsNull:
                        for (var i = 0; i < value.Values.Length; i++)
                        {
                            var entry = value.Values[i].Value as string;
                            if (HeaderProblem(entry, out var header) is { } problem)
                            {
                                diagnostics.Add(problem.Descriptor == DiagnosticDescriptors.HeaderNotNameValue
                                    ? DiagnosticInfo.Create(problem.Descriptor, arguments.Of("Headers", i), Display(entry), typeName)
                                    : DiagnosticInfo.Create(problem.Descriptor, arguments.Of("Headers", i), Display(entry), typeName, problem.Reason));
                            }
                            else
                            {
                                headers.Add(header!);
                            }
                        }

                        break;
                    case "Tags" when value.Kind == TypedConstantKind.Array && !value.IsNull:
                        for (var i = 0; i < value.Values.Length; i++)
                        {
                            var tag = value.Values[i].Value as string;
                            if (!DeliverabilityRules.IsTag(tag))
                            {
                                diagnostics.Add(DiagnosticInfo.Create(
                                    DiagnosticDescriptors.InvalidEmailTag, arguments.Of("Tags", i), Display(tag), typeName, "use " + DeliverabilityRules.TagRule));
                            }
                            else if (!tags.Contains(tag!))
                            {
                                tags.Add(tag!);
                            }
                        }

                        if (tags.Count > DeliverabilityRules.MaxTags)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(
                                DiagnosticDescriptors.InvalidEmailTag, arguments.Of("Tags"), string.Join(",", tags), typeName,
                                string.Format(CultureInfo.InvariantCulture, "a message carries at most {0} tags, and these are {1}", DeliverabilityRules.MaxTags, tags.Count)));
                            tags.RemoveRange(DeliverabilityRules.MaxTags, tags.Count - DeliverabilityRules.MaxTags);
                        }

                        break;
                }
            }

            if (oneClick && category is null && !categoryReported)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OneClickUnsubscribeWithoutCategory, arguments.Of("OneClickUnsubscribe"), typeName));
            }

            return new EmailSettingsSpec(category, oneClick && category is not null, headers.ToEquatableArray(), tags.ToEquatableArray());
        }

        /// <summary>What is wrong with a <c>"Name: value"</c> entry of <c>Headers</c>, or <see langword="null"/> with the header.</summary>
        private static (DiagnosticDescriptor Descriptor, string Reason)? HeaderProblem(string? entry, out HeaderSpec? header)
        {
            header = null;
            if (!DeliverabilityRules.TrySplitHeader(entry, out var name, out var value))
            {
                return (DiagnosticDescriptors.HeaderNotNameValue, "");
            }

            if (DeliverabilityRules.HeaderNameProblem(name, application: true) is { } nameProblem)
            {
                return (DiagnosticDescriptors.InvalidEmailHeader, $"the name '{Display(name)}': {nameProblem}");
            }

            if (DeliverabilityRules.HeaderValueProblem(value) is { } valueProblem)
            {
                return (DiagnosticDescriptors.InvalidEmailHeader, $"the value '{Display(value)}': {valueProblem}");
            }

            header = new HeaderSpec(name, value);
            return null;
        }

        /// <summary>A value as a message shows it: line breaks and other control characters escaped, <c>(null)</c> for null.</summary>
        private static string Display(string? value)
        {
            if (value is null)
            {
                return "(null)";
            }

            var text = new StringBuilder(value.Length);
            foreach (var c in value)
            {
                text.Append(c switch
                {
                    '\r' => "\\r",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    < ' ' => string.Format(CultureInfo.InvariantCulture, "\\u{0:X4}", (int)c),
                    _ => c.ToString(),
                });
            }

            return text.ToString();
        }

        /// <summary>Where an attribute's named arguments, and the items of an array argument, are written.</summary>
        private sealed class AttributeArguments(AttributeData attribute, LocationInfo? fallback, CancellationToken cancellationToken)
        {
            private readonly AttributeSyntax? _syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

            /// <summary>The argument's value, or its item at <paramref name="index"/> when it is written as an array or collection.</summary>
            public LocationInfo? Of(string name, int index = -1)
            {
                if (Find(name) is not { } expression)
                {
                    return _syntax is null ? fallback : LocationInfo.From(_syntax.GetLocation());
                }

                IReadOnlyList<SyntaxNode> items = expression switch
                {
                    CollectionExpressionSyntax c => c.Elements,
                    ArrayCreationExpressionSyntax { Initializer: { } i } => i.Expressions,
                    ImplicitArrayCreationExpressionSyntax i => i.Initializer.Expressions,
                    _ => [],
                };
                return LocationInfo.From(index >= 0 && index < items.Count ? items[index].GetLocation() : expression.GetLocation());
            }

            private ExpressionSyntax? Find(string name)
            {
                foreach (var argument in _syntax?.ArgumentList?.Arguments ?? default)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == name)
                    {
                        return argument.Expression;
                    }
                }

                return null;
            }
        }

        /// <summary>The record's valid <c>[EmailSample]</c> members, for the preview catalog; invalid ones are reported (TM1101).</summary>
        private static EquatableArray<SampleSpec> ParseSamples(INamedTypeSymbol type, LocationInfo? emailLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var samples = new List<SampleSpec>();
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
                    var (replyTo, attachments) = ParseSampleHeaders(member);
                    samples.Add(new SampleSpec(member.Name, isMethod, replyTo, attachments));
                }
                else
                {
                    var location = member.Locations.Length > 0 ? LocationInfo.From(member.Locations[0]) : emailLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmailSample, location, type.Name + "." + member.Name, problem, type.Name));
                }
            }

            return samples.ToEquatableArray();
        }

        /// <summary>The <c>ReplyTo</c> and <c>Attachments</c> an <c>[EmailSample]</c> gives the preview.</summary>
        private static (string? ReplyTo, EquatableArray<string> Attachments) ParseSampleHeaders(ISymbol member)
        {
            string? replyTo = null;
            var attachments = new List<string>();
            foreach (var attribute in member.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != EmailSampleAttributeName)
                {
                    continue;
                }

                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "ReplyTo" && argument.Value.Value is string address)
                    {
                        replyTo = address;
                    }
                    else if (argument.Key == "Attachments" && argument.Value.Kind == TypedConstantKind.Array)
                    {
                        foreach (var item in argument.Value.Values)
                        {
                            if (item.Value is string fileName)
                            {
                                attachments.Add(fileName);
                            }
                        }
                    }
                }
            }

            return (replyTo, attachments.ToEquatableArray());
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

        public static bool IsTemplateFile(AdditionalText file) => IsTemplatePath(file.Path);

        public static bool IsTemplatePath(string path) => path.EndsWith(TemplateExtension, StringComparison.OrdinalIgnoreCase);

        public static TemplateFileSpec? ParseTemplateFile(AdditionalText file, CancellationToken cancellationToken)
        {
            var name = Path.GetFileName(file.Path);
            name = name.Substring(0, name.Length - TemplateExtension.Length);
            var kind = TemplateKind.Partial;
            foreach (var (suffix, k) in new[] { (".subject", TemplateKind.Subject), (".html", TemplateKind.Html), (".text", TemplateKind.Text), (".layout", TemplateKind.Layout) })
            {
                if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
                {
                    kind = k;
                    name = name.Substring(0, name.Length - suffix.Length);
                    break;
                }
            }

            // A culture variant: `Welcome.fr-CA.html.scriban`. Partials do not vary (a variant includes what it needs).
            var culture = "";
            var knownCulture = true;
            var dot = name.LastIndexOf('.');
            if (kind != TemplateKind.Partial && dot > 0 && Cultures.LooksLikeCultureName(name.Substring(dot + 1)))
            {
                culture = name.Substring(dot + 1);
                name = name.Substring(0, dot);
                if (Cultures.Canonical(culture) is { } canonical)
                {
                    culture = canonical;
                }
                else
                {
                    knownCulture = false;
                }
            }

            var text = file.GetText(cancellationToken);
            if (text is null)
            {
                return null;
            }

            var template = TemplateParser.Parse(text, kind == TemplateKind.Subject, cancellationToken);
            return new TemplateFileSpec(file.Path, name, kind, template, IncludeScanner.Names(template), culture, knownCulture);
        }

        private static EmailParseResult Fail(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
            => new(null, null, new[] { DiagnosticInfo.Create(descriptor, location, arguments) }.ToEquatableArray());

        /// <summary>The types templates can reach from an email record, turned into plain <see cref="TypeSpec"/>s.</summary>
        private sealed class TypeGraph(List<DiagnosticInfo> diagnostics, LocationInfo? location, CancellationToken cancellationToken)
        {
            private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

            public List<TypeSpec> Specs { get; } = [];

            /// <summary>Adds a type (and, within the depth limit, the types of its members); returns its id.</summary>
            public string Add(ITypeSymbol type, int depth)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
                {
                    type = nullable.TypeArguments[0];
                }

                type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                var id = type.ToDisplayString(TypeFormat);
                if (_index.ContainsKey(id))
                {
                    return id;
                }

                var kind = KindOf(type, out var element, out var shape);
                var position = Specs.Count;
                _index[id] = position;
                Specs.Add(new TypeSpec(id, kind, type.Name, id, type.IsValueType, null, shape, EquatableArray<MemberSpec>.Empty));

                string? elementId = null;
                if (element is not null)
                {
                    elementId = Add(element, depth + 1);
                }

                var members = new List<MemberSpec>();
                if (kind == TypeKind.Object && depth <= MaxTypeDepth)
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
                    {
                        foreach (var member in current.GetMembers())
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            ITypeSymbol? memberType = member switch
                            {
                                IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } p => p.Type,
                                IFieldSymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public, IsImplicitlyDeclared: false } f => f.Type,
                                _ => null,
                            };
                            if (memberType is null || !seen.Add(member.Name))
                            {
                                continue;
                            }

                            var templateName = Naming.ToSnakeCase(member.Name);
                            if (renamed.TryGetValue(templateName, out var other))
                            {
                                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameCollision, location, other, member.Name, type.Name, templateName));
                                continue;
                            }

                            renamed[templateName] = member.Name;
                            var isNullable = memberType.NullableAnnotation == NullableAnnotation.Annotated
                                || memberType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };
                            members.Add(new MemberSpec(member.Name, templateName, Add(memberType, depth + 1), isNullable));
                        }
                    }
                }

                Specs[position] = Specs[position] with { ElementId = elementId, Members = members.ToEquatableArray() };
                return id;
            }

            private static TypeKind KindOf(ITypeSymbol type, out ITypeSymbol? element, out ListShape shape)
            {
                element = null;
                shape = ListShape.None;
                switch (type.SpecialType)
                {
                    case SpecialType.System_String: return TypeKind.String;
                    case SpecialType.System_Boolean: return TypeKind.Boolean;
                    case SpecialType.System_Char: return TypeKind.Char;
                    case SpecialType.System_SByte:
                    case SpecialType.System_Byte:
                    case SpecialType.System_Int16:
                    case SpecialType.System_UInt16:
                    case SpecialType.System_Int32: return TypeKind.Int32;
                    case SpecialType.System_UInt32: return TypeKind.UInt32;
                    case SpecialType.System_Int64: return TypeKind.Int64;
                    case SpecialType.System_UInt64: return TypeKind.UInt64;
                    case SpecialType.System_Single: return TypeKind.Single;
                    case SpecialType.System_Double: return TypeKind.Double;
                    case SpecialType.System_Decimal: return TypeKind.Decimal;
                    case SpecialType.System_DateTime: return TypeKind.DateTime;
                    case SpecialType.System_Object: return TypeKind.Other;
                }

                if (type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Enum)
                {
                    return TypeKind.Enum;
                }

                var name = type.ToDisplayString();
                switch (name)
                {
                    case "System.DateTimeOffset": return TypeKind.DateTimeOffset;
                    case "System.TimeSpan": return TypeKind.TimeSpan;
                    case "System.Numerics.BigInteger": return TypeKind.BigInteger;
                }

                if (type is IArrayTypeSymbol { Rank: 1 } array)
                {
                    element = array.ElementType;
                    shape = ListShape.Array;
                    return TypeKind.List;
                }

                ITypeSymbol? enumerable = null;
                ITypeSymbol? readOnlyList = null;
                foreach (var candidate in AllInterfacesAndSelf(type))
                {
                    switch (candidate.OriginalDefinition.ToDisplayString())
                    {
                        case "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" when candidate.TypeArguments[0].SpecialType == SpecialType.System_String:
                            element = candidate.TypeArguments[1];
                            return TypeKind.Dictionary;
                        case "System.Collections.Generic.IReadOnlyList<T>":
                            readOnlyList = candidate.TypeArguments[0];
                            break;
                        case "System.Collections.Generic.IEnumerable<T>":
                            enumerable = candidate.TypeArguments[0];
                            break;
                    }
                }

                if (readOnlyList is not null && HasCountAndIndexer(type))
                {
                    element = readOnlyList;
                    shape = ListShape.Indexed;
                    return TypeKind.List;
                }

                if (enumerable is not null)
                {
                    element = enumerable;
                    shape = ListShape.Enumerable;
                    return TypeKind.List;
                }

                foreach (var i in type.AllInterfaces)
                {
                    if (i.ToDisplayString() == "System.IFormattable")
                    {
                        return TypeKind.Formattable;
                    }
                }

                return type.TypeKind is Microsoft.CodeAnalysis.TypeKind.Class or Microsoft.CodeAnalysis.TypeKind.Struct && !type.IsAnonymousType
                    ? TypeKind.Object
                    : TypeKind.Other;
            }

            private static IEnumerable<INamedTypeSymbol> AllInterfacesAndSelf(ITypeSymbol type)
            {
                if (type is INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Interface } self)
                {
                    yield return self;
                }

                foreach (var i in type.AllInterfaces)
                {
                    yield return i;
                }
            }

            /// <summary>Whether <c>list.Count</c> and <c>list[i]</c> compile on the type itself (not only through an explicit interface).</summary>
            private static bool HasCountAndIndexer(ITypeSymbol type)
            {
                bool count = false, indexer = false;
                foreach (var t in Hierarchy(type))
                {
                    foreach (var member in t.GetMembers())
                    {
                        if (member is IPropertySymbol { DeclaredAccessibility: Accessibility.Public, IsStatic: false } p)
                        {
                            count |= p.Name == "Count" && !p.IsIndexer;
                            indexer |= p.IsIndexer && p.Parameters.Length == 1 && p.Parameters[0].Type.SpecialType == SpecialType.System_Int32;
                        }
                    }
                }

                return count && indexer;
            }

            private static IEnumerable<ITypeSymbol> Hierarchy(ITypeSymbol type)
            {
                if (type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Interface)
                {
                    yield return type;
                    foreach (var i in type.AllInterfaces)
                    {
                        yield return i;
                    }

                    yield break;
                }

                for (var current = type; current is not null; current = current.BaseType)
                {
                    yield return current;
                }
            }
        }
    }
}
