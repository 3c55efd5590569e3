using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scarlet.WebHost.Tests;

/// <summary>A logger provider that keeps every entry of a test host (category, level, text, exception) for assertions.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    /// <summary>Gets every entry, in order.</summary>
    public ConcurrentQueue<Entry> Entries { get; } = new();

    /// <summary>Gets each entry as one line: category, level, message, structured values, exception (for searching).</summary>
    public IEnumerable<string> Lines => Entries.Select(e => e.Line);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    /// <summary>One log entry.</summary>
    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception, string Line);

    private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            entries.Enqueue(new Entry(category, LogLevel.Trace, $"scope: {state}", null, $"{category} scope: {state}"));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var values = state is IEnumerable<KeyValuePair<string, object?>> kv ? string.Join(' ', kv.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            entries.Enqueue(new Entry(category, logLevel, message, exception, $"{category} {logLevel}: {message} {values} {exception}"));
        }
    }
}
