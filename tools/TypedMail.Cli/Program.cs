using System;
using System.Threading;
using Spectre.Console;
using TypedMail.Cli;

var cli = new Cli(AnsiConsole.Console, Console.Error, TimeProvider.System, Environment.GetEnvironmentVariable);
return await cli.RunAsync(args, handleTermination: true, CancellationToken.None);
