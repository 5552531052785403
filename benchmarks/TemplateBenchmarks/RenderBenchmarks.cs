using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HandlebarsDotNet;

namespace TypedMail.TemplateBenchmarks;

/// <summary>
/// Compiled TypedMail renderers against Handlebars.Net (templates compiled once, as a runtime engine is used) on
/// equivalent templates. Each category compares the two on the same data; Handlebars.Net is the baseline, so a
/// ratio of 0.5 means TypedMail renders twice as many emails per second.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class RenderBenchmarks
{
    private WelcomeEmail _welcome = null!;
    private OrderEmail _order = null!;
    private DigestEmail _digest = null!;
    private CommentEmail _comment = null!;
    private HandlebarsTemplate<object, object> _welcomeHandlebars = null!;
    private HandlebarsTemplate<object, object> _orderHandlebars = null!;
    private HandlebarsTemplate<object, object> _digestHandlebars = null!;
    private HandlebarsTemplate<object, object> _commentHandlebars = null!;

    [GlobalSetup]
    public void Setup()
    {
        _welcome = Data.Welcome();
        _order = Data.Order(20);
        _digest = Data.Digest(100);
        _comment = Data.Comments(10);
        var handlebars = Handlebars.Create();
        _welcomeHandlebars = handlebars.Compile(HandlebarsTemplates.Welcome);
        _orderHandlebars = handlebars.Compile(HandlebarsTemplates.Order);
        _digestHandlebars = handlebars.Compile(HandlebarsTemplates.Digest);
        _commentHandlebars = handlebars.Compile(HandlebarsTemplates.Comment);

        // The comparison is only fair if both engines produce the same text.
        Same("Welcome", Welcome_TypedMail(), Welcome_Handlebars());
        Same("Order20", Order20_TypedMail(), Order20_Handlebars());
        Same("Digest100", Digest100_TypedMail(), Digest100_Handlebars());
        Same("HtmlEscaped", HtmlEscaped_TypedMail(), HtmlEscaped_Handlebars());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Welcome")]
    public string Welcome_Handlebars() => _welcomeHandlebars(_welcome);

    [Benchmark, BenchmarkCategory("Welcome")]
    public string Welcome_TypedMail() => _welcome.Render().HtmlBody!;

    [Benchmark(Baseline = true), BenchmarkCategory("Order20")]
    public string Order20_Handlebars() => _orderHandlebars(_order);

    [Benchmark, BenchmarkCategory("Order20")]
    public string Order20_TypedMail() => _order.Render().HtmlBody!;

    [Benchmark(Baseline = true), BenchmarkCategory("Digest100")]
    public string Digest100_Handlebars() => _digestHandlebars(_digest);

    [Benchmark, BenchmarkCategory("Digest100")]
    public string Digest100_TypedMail() => _digest.Render().HtmlBody!;

    [Benchmark(Baseline = true), BenchmarkCategory("HtmlEscaped")]
    public string HtmlEscaped_Handlebars() => _commentHandlebars(_comment);

    [Benchmark, BenchmarkCategory("HtmlEscaped")]
    public string HtmlEscaped_TypedMail() => _comment.Render().HtmlBody!;

    private static void Same(string name, string typedMail, string handlebars)
    {
        if (!string.Equals(typedMail, handlebars, StringComparison.Ordinal))
        {
            var at = Enumerable.Range(0, Math.Min(typedMail.Length, handlebars.Length)).FirstOrDefault(i => typedMail[i] != handlebars[i]);
            throw new InvalidOperationException($"{name}: the outputs differ at {at}.\nTypedMail:\n{typedMail}\nHandlebars.Net:\n{handlebars}");
        }

        Console.WriteLine($"// {name}: output {typedMail.Length} chars, string {OutputBytes(typedMail)} bytes");
    }

    /// <summary>The size of the output string object on the 64-bit runtime: 20 bytes of header and length, 2 per char, 2 for the terminator, rounded to 8.</summary>
    public static int OutputBytes(string s) => (20 + (2 * s.Length) + 2 + 7) / 8 * 8;
}
