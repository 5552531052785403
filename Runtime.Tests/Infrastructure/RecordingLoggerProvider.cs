using System;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>Records every log line at every level (message and exception), for tests that look for secrets in logs.</summary>
public sealed class RecordingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public RecordingLoggerProvider()
        : this(new ConcurrentQueue<string>())
    {
    }

    public ConcurrentQueue<string> Lines { get; } = lines;

    public ILogger CreateLogger(string categoryName) => new Logger(Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
    }
}
