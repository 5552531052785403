using System;
using System.Threading;
using Spectre.Console;
using TypedMail.Cli;

// On a terminal: colours, the real width, progress bars. Redirected to a file or a pipe: plain text, wide tables.
var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    console.Profile.Width = 200;
}

var cli = new Cli(console, Console.Error, TimeProvider.System, Environment.GetEnvironmentVariable);
return await cli.RunAsync(args, handleTermination: true, CancellationToken.None);
