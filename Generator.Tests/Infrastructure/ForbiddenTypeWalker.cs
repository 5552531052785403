using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>Walks a pipeline output's object graph and fails on anything that would defeat caching or root a compilation.</summary>
public static class ForbiddenTypeWalker
{
    private static readonly Type[] Forbidden = [typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SemanticModel), typeof(Location), typeof(SyntaxTree)];

    public static void AssertClean(object? value, string step)
        => Walk(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), "output");

    private static void Walk(object? value, string step, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is DiagnosticDescriptor)
        {
            return;
        }

        foreach (var forbidden in Forbidden)
        {
            if (forbidden.IsInstanceOfType(value))
            {
                throw new Xunit.Sdk.XunitException($"Step '{step}' holds a {forbidden.Name} at {path}.");
            }
        }

        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
            {
                Walk(item, step, seen, $"{path}[{i++}]");
            }

            return;
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Walk(field.GetValue(value), step, seen, path + "." + field.Name);
        }
    }
}
