using System;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace TypedMail.Cli;

/// <summary>Writes a component's log lines (information and above) to the console, one per line, as plain text.</summary>
internal sealed class ConsoleLogger<T>(IAnsiConsole console, TimeProvider time) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{Commands.Timestamps.Format(time.GetUtcNow().UtcDateTime)} {Level(logLevel)} {formatter(state, exception)}";
        console.WriteLine(exception is null ? line : line + ": " + exception.Message);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Information => "info ",
        LogLevel.Warning => "warn ",
        LogLevel.Error => "error",
        _ => "crit ",
    };
}
