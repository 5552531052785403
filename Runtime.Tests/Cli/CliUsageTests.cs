using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Cli;

/// <summary>Help, the command line's errors, and the database errors that do not depend on a running database.</summary>
public sealed class CliUsageTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Theory]
    [InlineData("status", "Show how many messages are in each state")]
    [InlineData("dispatch", "--watch")]
    [InlineData("show", "<id>")]
    [InlineData("retry", "--all-failed")]
    [InlineData("purge", "--older-than")]
    [InlineData("suppress", "add")]
    [InlineData("suppress add", "--reason")]
    [InlineData("suppress remove", "<address>")]
    [InlineData("suppress list", "List the suppressed addresses")]
    public async Task Every_command_has_help(string command, string expected)
    {
        var result = await CliRunner.RunAsync([.. command.Split(' '), "--help"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("typedmail " + command, result.Output);
        Assert.Contains(expected, result.Output);
        Assert.Contains("--connection", result.Output);
    }

    [Fact]
    public async Task Root_help_lists_every_command()
    {
        var result = await CliRunner.RunAsync("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "status", "dispatch", "show", "retry", "purge", "suppress" })
        {
            Assert.Matches(new Regex("^  " + command + @"\b", RegexOptions.Multiline), result.Output);
        }
    }

    [Fact]
    public async Task Usage_errors_exit_2_saying_what_is_wrong()
    {
        var noConnection = await CliRunner.RunAsync("status");
        Assert.Equal(2, noConnection.ExitCode);
        Assert.Contains("No database: give its connection string with --connection, or set TYPEDMAIL_CONNECTION.", noConnection.Error);

        var provider = await CliRunner.RunAsync("status", "--provider", "mysql", "--connection", _shop.ConnectionString);
        Assert.Equal(2, provider.ExitCode);
        Assert.Contains("mysql", provider.Error);

        var unknown = await CliRunner.RunAsync("frobnicate", "--connection", _shop.ConnectionString);
        Assert.Equal(2, unknown.ExitCode);

        var batch = await CliRunner.RunAsync("dispatch", "--pickup", _shop.PickupFolder, "--batch-size", "0", "--connection", _shop.ConnectionString);
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("--batch-size must be at least 1, but is 0.", batch.Error);
        Assert.False(Directory.Exists(_shop.PickupFolder));
    }

    [Fact]
    public async Task Dispatch_needs_exactly_one_transport_and_valid_smtp_settings_without_showing_the_password()
    {
        var neither = await CliRunner.RunAsync("dispatch", "--connection", _shop.ConnectionString);
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("Give the transport: either --pickup <folder> or --smtp-host <host>.", neither.Error);

        var pickupAndSmtp = await CliRunner.RunAsync("dispatch", "--pickup", _shop.PickupFolder, "--smtp-host", "localhost", "--connection", _shop.ConnectionString);
        Assert.Equal(2, pickupAndSmtp.ExitCode);

        var noPassword = await CliRunner.RunAsync("dispatch", "--smtp-host", "localhost", "--smtp-user", "mailer", "--connection", _shop.ConnectionString);
        Assert.Equal(2, noPassword.ExitCode);
        Assert.Contains("Invalid SMTP settings (--smtp-*, TYPEDMAIL_SMTP_PASSWORD or TYPEDMAIL_SMTP_ACCESS_TOKEN): SmtpOptions.Password or AccessTokenProvider must be set when UserName is (was missing).", noPassword.Error);

        var both = new Dictionary<string, string> { ["TYPEDMAIL_SMTP_PASSWORD"] = "s3cret-Pa55", ["TYPEDMAIL_SMTP_ACCESS_TOKEN"] = "ya29.t0ken", ["TYPEDMAIL_CONNECTION"] = _shop.ConnectionString };
        var passwordAndToken = await CliRunner.RunAsync(both, null, default, "dispatch", "--smtp-host", "localhost", "--smtp-user", "mailer");
        Assert.Equal(2, passwordAndToken.ExitCode);
        Assert.Contains("SmtpOptions.AccessTokenProvider must not be set together with Password", passwordAndToken.Error);
        Assert.DoesNotContain("s3cret-Pa55", passwordAndToken.Output + passwordAndToken.Error);
        Assert.DoesNotContain("ya29.t0ken", passwordAndToken.Output + passwordAndToken.Error);

        var environment = new Dictionary<string, string> { ["TYPEDMAIL_SMTP_PASSWORD"] = "s3cret-Pa55", ["TYPEDMAIL_CONNECTION"] = _shop.ConnectionString };
        var badPort = await CliRunner.RunAsync(environment, null, default, "dispatch", "--smtp-host", "localhost", "--smtp-port", "70000", "--smtp-user", "mailer");
        Assert.Equal(2, badPort.ExitCode);
        Assert.Contains("SmtpOptions.Port must be between 1 and 65535 (was 70000).", badPort.Error);
        Assert.DoesNotContain("s3cret-Pa55", badPort.Output + badPort.Error);
    }

    [Fact]
    public async Task Connection_comes_from_the_environment_when_not_given()
    {
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "E-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["TYPEDMAIL_CONNECTION"] = _shop.ConnectionString }, null, default, "status");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"queued\W+1\W", result.Output);
    }

    [Fact]
    public async Task Missing_sqlite_file_exits_4_and_is_not_created()
    {
        var path = Path.Combine(_shop.Folder, "typo.db");
        var result = await CliRunner.RunAsync("status", "--connection", $"Data Source={path}");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal($"Database error: The SQLite database '{path}' does not exist.", result.Error.Trim());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Unreachable_postgres_exits_4_without_showing_the_password()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await CliRunner.RunAsync("status", "--provider", "postgres", "--connection",
            $"Host=127.0.0.1;Port={port};Database=shop;Username=mailer;Password=s3cret-Pa55;Timeout=3");
        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("Database error: ", result.Error);
        Assert.DoesNotContain("s3cret-Pa55", result.Output + result.Error);
    }
}
