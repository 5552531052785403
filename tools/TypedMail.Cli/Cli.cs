using System;
using System.CommandLine;
using System.CommandLine.Help;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using TypedMail.Cli.Commands;

namespace TypedMail.Cli;

/// <summary>The <c>typedmail</c> command line: global options, the commands, and how failures become exit codes.</summary>
internal sealed class Cli
{
    public const string ConnectionVariable = "TYPEDMAIL_CONNECTION";

    private readonly Func<string, string?> _environment;

    public Cli(IAnsiConsole console, TextWriter error, TimeProvider time, Func<string, string?> environment)
    {
        Console = console;
        Error = error;
        Time = time;
        _environment = environment;
        Connection = new Option<string?>("--connection", "-c")
        {
            Description = $"The database's connection string. Defaults to the {ConnectionVariable} environment variable, which keeps a password off the command line.",
            Recursive = true,
        };
        Provider = new Option<string>("--provider", "-p")
        {
            Description = "The database: sqlite or postgres.",
            Recursive = true,
            DefaultValueFactory = _ => Providers.Sqlite,
        };
        Provider.AcceptOnlyFromAmong(Providers.Sqlite, Providers.Postgres);
    }

    public IAnsiConsole Console { get; }

    public TextWriter Error { get; }

    public TimeProvider Time { get; }

    public Func<string, string?> Environment => _environment;

    public Option<string?> Connection { get; }

    public Option<string> Provider { get; }

    public Command Build()
    {
        // Named here rather than after the executable (TypedMail.Cli.dll), so help reads as the installed command.
        var root = new Command("typedmail", "typedmail: inspect and operate a TypedMail outbox from its connection string, without the application's code.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Options.Add(Connection);
        root.Options.Add(Provider);
        root.Subcommands.Add(StatusCommand.Create(this));
        root.Subcommands.Add(DispatchCommand.Create(this));
        root.Subcommands.Add(ShowCommand.Create(this));
        root.Subcommands.Add(RetryCommand.Create(this));
        root.Subcommands.Add(PurgeCommand.Create(this));
        root.Subcommands.Add(SuppressCommand.Create(this));
        root.Subcommands.Add(BouncesCommand.Create(this));
        return root;
    }

    /// <summary>Parses and runs; a parse error prints the problem and exits with <see cref="ExitCodes.Usage"/>.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="handleTermination">Whether Ctrl+C and SIGTERM cancel the command (the real process); tests pass false.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public async Task<int> RunAsync(string[] args, bool handleTermination, CancellationToken cancellationToken)
    {
        var parse = Build().Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = Console.Profile.Out.Writer,
            Error = Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = handleTermination ? TimeSpan.FromSeconds(30) : null,
        };
        var exit = await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exit;
    }

    /// <summary>Wraps a command's work: opens the database and turns known failures into messages and exit codes.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> WithDatabase(Func<ParseResult, OutboxDatabase, CancellationToken, Task<int>> action)
        => async (parse, cancellationToken) =>
        {
            try
            {
                var connection = parse.GetValue(Connection) ?? _environment(ConnectionVariable);
                if (string.IsNullOrWhiteSpace(connection))
                {
                    throw new UsageException($"No database: give its connection string with --connection, or set {ConnectionVariable}.");
                }

                var database = OutboxDatabase.Open(parse.GetValue(Provider)!, connection);
                return await action(parse, database, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException ex)
            {
                await Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (DbException ex)
            {
                return await DatabaseError(ex).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex) when (ex.InnerException is DbException inner)
            {
                // EF Core wraps a failure it judges transient (such as a refused connection) in an InvalidOperationException.
                return await DatabaseError(inner).ConfigureAwait(false);
            }
        };

    private async Task<int> DatabaseError(DbException exception)
    {
        // Provider messages name the server, database and user, never the password.
        await Error.WriteLineAsync("Database error: " + exception.Message).ConfigureAwait(false);
        return ExitCodes.Database;
    }
}
