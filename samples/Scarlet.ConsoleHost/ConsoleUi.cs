using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Scarlet.ConsoleHost;

/// <summary>
/// What a person at a terminal sees beside the verbs' lines: progress bars and the live status of <c>run</c>, drawn with
/// Spectre.Console on stderr and only when stderr is a terminal. Redirected output (scripts, tests, CI logs) gets exactly
/// the plain lines it got before; stdout is never touched when it is redirected, so its lines stay byte-identical.
/// </summary>
internal static class ConsoleUi
{
    private static readonly Lazy<IAnsiConsole> s_terminal = new(() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        // The writer is taken now: the bars route Console.Out/Error through this console while they are drawn.
        Out = new AnsiConsoleOutput(Console.Error),
        Interactive = InteractionSupport.Yes,
    }));

    /// <summary>Whether a person is watching: stderr is a terminal that can redraw, and this is not a CI job.</summary>
    public static bool Interactive { get; } = !Console.IsErrorRedirected
        && (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb"))
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The terminal (stderr) console; use only when <see cref="Interactive"/>.</summary>
    public static IAnsiConsole Terminal => s_terminal.Value;

    /// <summary>
    /// A progress bar of <paramref name="total"/> steps while a person watches; otherwise reports go to
    /// <paramref name="plain"/> (the verb's own stderr lines), or nowhere.
    /// </summary>
    public static ProgressBar Progress(string description, double total, IProgress<int>? plain = null) =>
        Interactive ? new ProgressBar(Terminal, description, total) : new ProgressBar(plain);

    /// <summary>
    /// Runs <paramref name="body"/> under a live view on the terminal that <paramref name="render"/> redraws every
    /// <paramref name="period"/>; lines written meanwhile appear above it. Use only when <see cref="Interactive"/>.
    /// </summary>
    public static async Task LiveAsync(Func<IRenderable> render, TimeSpan period, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(render);
        ArgumentNullException.ThrowIfNull(body);
        using var lines = new TerminalLines(Terminal);
        await Terminal.Live(render()).AutoClear(false).StartAsync(async ctx =>
        {
            var work = body();
            while (await Task.WhenAny(work, Task.Delay(period)).ConfigureAwait(false) != work)
            {
                ctx.UpdateTarget(render());
            }

            ctx.UpdateTarget(render());
            await work.ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}

/// <summary>A progress bar on the terminal, or the verb's plain progress lines when no one watches. Dispose ends it.</summary>
internal sealed class ProgressBar : IProgress<int>, IDisposable
{
    private readonly IProgress<int>? _plain;
    private readonly ProgressTask? _task;
    private readonly TaskCompletionSource? _finish;
    private readonly Task? _view;
    private readonly TerminalLines? _lines;

    public ProgressBar(IProgress<int>? plain) => _plain = plain;

    public ProgressBar(IAnsiConsole terminal, string description, double total)
    {
        var started = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        _finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lines = new TerminalLines(terminal);
        var finish = _finish.Task;
        _view = terminal.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                started.SetResult(ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1)));
                await finish.ConfigureAwait(false);
            });
        _task = started.Task.GetAwaiter().GetResult();
    }

    /// <summary>Sets the count done.</summary>
    public void Report(int value)
    {
        if (_task is not null)
        {
            _task.Value = value;
        }
        else
        {
            _plain?.Report(value);
        }
    }

    /// <summary>One more step done (no plain line: the verbs' own lines say how far they are).</summary>
    public void Increment(double steps = 1) => _task?.Increment(steps);

    public void Dispose()
    {
        if (_finish is null || _view is null)
        {
            return;
        }

        _finish.TrySetResult();
        _view.GetAwaiter().GetResult();
        _lines?.Dispose();
    }
}

/// <summary>
/// While a live view is drawn, routes the lines written to Console.Error (and to Console.Out when it is the terminal
/// too) through Spectre, which prints them above the view instead of through it. Redirected stdout is left alone.
/// </summary>
internal sealed class TerminalLines : IDisposable
{
    private readonly TextWriter _out = Console.Out;
    private readonly TextWriter _error = Console.Error;
    private readonly LineWriter _writer;

    public TerminalLines(IAnsiConsole terminal)
    {
        // Not TextWriter.Synchronized: Spectre may flush Console.Out under its own lock, and a writer lock held while
        // calling into Spectre would deadlock against it. LineWriter locks only its buffer.
        _writer = new LineWriter(terminal);
        if (!Console.IsOutputRedirected)
        {
            Console.SetOut(_writer);
        }

        Console.SetError(_writer);
    }

    public void Dispose()
    {
        Console.SetOut(_out);
        Console.SetError(_error);
        _writer.Complete();
    }

    private sealed class LineWriter(IAnsiConsole terminal) : TextWriter
    {
        private readonly StringBuilder _line = new();
        private bool _return;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

        public override void Write(string? value) => Write(value.AsSpan());

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            List<string>? complete = null;
            lock (_line)
            {
                foreach (var c in buffer)
                {
                    if (c == '\n')
                    {
                        (complete ??= []).Add(_line.ToString());
                        _line.Clear();
                    }
                    else if (c == '\r')
                    {
                        _return = true;
                        continue;
                    }
                    else
                    {
                        if (_return)
                        {
                            // "\rstatus" redraws its line on a plain terminal; above a live view only its last state is kept.
                            _line.Clear();
                        }

                        _line.Append(c);
                    }

                    _return = false;
                }
            }

            foreach (var line in complete ?? [])
            {
                terminal.Write(new Text(line + "\n"));
            }
        }

        public override void WriteLine(string? value) => Write((value ?? string.Empty) + "\n");

        /// <summary>Prints a last unfinished line once the view has ended.</summary>
        public void Complete()
        {
            string rest;
            lock (_line)
            {
                rest = _line.ToString();
                _line.Clear();
            }

            if (rest.Length > 0)
            {
                terminal.Write(new Text(rest + "\n"));
            }
        }
    }
}
