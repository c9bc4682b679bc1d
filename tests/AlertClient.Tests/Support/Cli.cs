using System.Text;
using AlertHub.Cli;
using Spectre.Console;

using AlertHub.Testing;

namespace AlertClient.Tests.Support;

/// <summary>Runs the real <c>alerthub</c> command tree in-process, with its own session file and captured output.</summary>
public sealed class Cli : IDisposable
{
    private readonly SyncWriter _output = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("alerthub-cli-").FullName;

    public Cli()
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_output),
        });
    }

    public string Output => _output.Text;

    /// <summary>Which signed-in user the next commands act as (each has its own session file).</summary>
    public void As(string user) =>
        Environment.SetEnvironmentVariable("ALERTHUB_SESSION", Path.Combine(_directory, user + ".json"));

    public string SessionFile(string user) => Path.Combine(_directory, user + ".json");

    public Task<int> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    public Task<int> RunAsync(CancellationToken ct, params string[] args) =>
        CliApp.RunAsync(args, ct);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ALERTHUB_SESSION", null);
        TestHost.TryDelete(_directory);
    }

    private sealed class SyncWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
