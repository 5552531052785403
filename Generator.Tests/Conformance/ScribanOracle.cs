using System.Linq;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Real Scriban (Scriban.Signed 7.6.1) under the host setup of <c>shared/scriban-subset.md</c>: default language,
/// <c>NewLine = "\n"</c>, the invariant culture (the default), the default member renamer and relaxed member and indexer access
/// (the <see cref="TemplateContext"/> defaults), and the model's members as the top-level variables, exactly as
/// <c>Template.Render(model)</c> imports them.
/// </summary>
public static class ScribanOracle
{
    /// <summary>Renders <paramref name="template"/> with the public properties and fields of <paramref name="model"/> as globals.</summary>
    /// <param name="template">The template.</param>
    /// <param name="model">The model.</param>
    /// <param name="capturesAsText">
    /// Whether a <c>capture</c> stores its text as a string. Scriban 7.6.1 stores its internal output object instead,
    /// which measures 0 (<c>object.size</c>), has no characters to index and fails in arithmetic; the
    /// <c>capture-is-text</c> divergence class is what changes when captures are strings.
    /// </param>
    public static Outcome RenderModel(string template, object? model, bool capturesAsText = false)
    {
        var globals = new ScriptObject();
        if (model is not null)
        {
            globals.Import(model);
        }

        return Render(template, globals, capturesAsText);
    }

    /// <summary>Renders <paramref name="template"/> with <paramref name="globals"/> pushed over the builtins.</summary>
    public static Outcome Render(string template, ScriptObject globals, bool capturesAsText = false)
    {
        var parsed = Template.Parse(template, "text");
        if (parsed.HasErrors)
        {
            return Outcome.BuildError(string.Join("\n", parsed.Messages.Select(m => m.ToString())), ["scriban"]);
        }

        var context = capturesAsText ? new TextCaptureContext() : new TemplateContext();
        context.NewLine = "\n";
        context.PushGlobal(globals);
        try
        {
            return Outcome.Output(parsed.Render(context));
        }
        catch (ScriptRuntimeException e)
        {
            return Outcome.RuntimeError(e.Message);
        }
        catch (System.Exception e) when (e is System.InvalidCastException or System.FormatException or System.OverflowException or System.ArgumentException or System.IndexOutOfRangeException or System.NullReferenceException)
        {
            // A few builtins let .NET exceptions through instead of wrapping them: Scriban still fails to render.
            return Outcome.RuntimeError(e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>A context whose <c>capture</c> stores a string, as TypedMail does.</summary>
    private sealed class TextCaptureContext : TemplateContext
    {
        public override object? Evaluate(ScriptNode? scriptNode, bool aliasReturnedFunction)
        {
            if (scriptNode is not ScriptCaptureStatement { Body: { } body, Target: { } target })
            {
                return base.Evaluate(scriptNode, aliasReturnedFunction);
            }

            PushOutput();
            try
            {
                base.Evaluate(body, false);
            }
            finally
            {
                SetValue(target, PopOutput().ToString());
            }

            return null;
        }
    }
}
