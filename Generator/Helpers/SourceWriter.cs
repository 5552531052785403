using System;
using System.Text;

namespace TypedMail.Generator.Helpers;

/// <summary>An indenting writer for generated C#.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public void OpenBrace()
    {
        WriteLine("{");
        _indent++;
    }

    public void CloseBrace(string suffix = "")
    {
        _indent--;
        WriteLine("}" + suffix);
    }

    public void WriteLine(string line)
    {
        if (line.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
            _sb.Append(line);
        }

        _sb.Append('\n');
    }

    public void WriteLine() => _sb.Append('\n');

    /// <summary>Writes a preprocessor directive at the start of its line.</summary>
    public void WriteDirective(string directive) => _sb.Append(directive).Append('\n');

    /// <summary>Writes text as one comment line per source line.</summary>
    public void WriteComment(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            WriteLine("// " + line.Replace("*/", "* /"));
        }
    }

    public override string ToString() => _sb.ToString();
}
