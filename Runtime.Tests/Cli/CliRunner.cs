using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using TypedMail.Cli;

namespace TypedMail.Runtime.Tests.Cli;

/// <summary>Runs the typedmail command line in-process with captured output, a fixed console width and no colours.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, TimeProvider? time, CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;
        var cli = new TypedMail.Cli.Cli(console, error, time ?? TimeProvider.System, name => environment?.GetValueOrDefault(name));
        var exit = await cli.RunAsync(args, handleTermination: false, cancellationToken);
        return new Result(exit, output.ToString(), error.ToString());
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(null, null, CancellationToken.None, args);
}
