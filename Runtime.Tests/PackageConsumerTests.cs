using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests;

/// <summary>
/// Packs the TypedMail package and uses it from a new project through a local folder feed, as a user would:
/// the generator compiles the consumer's templates, the analyzers run in its build, and the app sends mail.
/// </summary>
[Collection(DotNetBuildCollection.Name)]
public sealed class PackageConsumerTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "typedmail-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Packed_package_works_in_a_consumer_project()
    {
        var feed = Path.Combine(_work, "feed");
        var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        var (packExit, packOutput) = DotNet.Run(RepoPaths.Root, "pack", "Runtime/Runtime.csproj", "-c", "Release", "-o", feed, "-p:Version=" + version);
        Assert.True(packExit == 0, packOutput);

        var package = Path.Combine(feed, $"TypedMail.{version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/TypedMail.dll", entries);
            Assert.Contains("lib/net10.0/TypedMail.xml", entries);
            Assert.Contains("analyzers/dotnet/cs/TypedMail.Generator.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/TypedMail.Analyzers.dll", entries);
            Assert.Contains("build/TypedMail.props", entries);
            Assert.Contains("buildTransitive/TypedMail.props", entries);
        }

        var app = Path.Combine(_work, "app");
        Directory.CreateDirectory(Path.Combine(app, "Mail"));
        File.WriteAllText(Path.Combine(_work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TypedMail" Version="{version}" />
                <PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="10.0.14" />
                <PackageReference Include="SQLitePCLRaw.bundle_e_sqlite3" Version="3.0.3" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Mail", "Welcome.cs"), """
            using TypedMail;

            namespace App.Mail;

            [Email]
            public partial record WelcomeEmail(string FirstName, string ProductName);
            """);
        File.WriteAllText(Path.Combine(app, "Mail", "WelcomeEmail.subject.scriban"), "Welcome to {{ product_name }}");
        File.WriteAllText(Path.Combine(app, "Mail", "WelcomeEmail.text.scriban"), "Hi {{ first_name }}, welcome to {{ product_name }}.\n");
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.EntityFrameworkCore;
            using TypedMail;
            using TypedMail.Dispatch;
            using TypedMail.Outbox;
            using TypedMail.Transports;
            using App.Mail;

            var dir = args[0];
            var factory = new Factory(Path.Combine(dir, "app.db"));
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.EnsureCreatedAsync();
                db.Emails().Enqueue(new WelcomeEmail("Ada", "Acme"), to: "ada@example.com");
                await db.SaveChangesAsync();
            }

            var summary = await new OutboxDispatcher<AppDb>(factory, new PickupFolderTransport(Path.Combine(dir, "pickup"))).DispatchDueAsync();
            Console.WriteLine($"sent={summary.Sent}");

            public sealed class AppDb(DbContextOptions<AppDb> options) : DbContext(options)
            {
                protected override void OnModelCreating(ModelBuilder b) => b.AddTypedMailOutbox();
            }

            public sealed class Factory(string path) : IDbContextFactory<AppDb>
            {
                public AppDb CreateDbContext() => new(new DbContextOptionsBuilder<AppDb>()
                    .UseSqlite($"Data Source={path}").UseTypedMail(o => o.DefaultFrom = "app@example.com").Options);
            }
            """);

        // The analyzers ship in the package: a send inside a transaction is a TM3001 warning in the consumer's build.
        File.WriteAllText(Path.Combine(app, "Legacy.cs"), """
            using System.Net.Mail;
            using System.Transactions;

            public static class Legacy
            {
                public static void PlaceOrder(SmtpClient smtp)
                {
                    using var scope = new TransactionScope();
                    smtp.Send("shop@example.com", "ada@example.com", "Order", "Thanks");
                    scope.Complete();
                }
            }
            """);

        var (buildExit, buildOutput) = DotNet.Run(app, "build", "-c", "Release", "--no-incremental");
        Assert.True(buildExit == 0, buildOutput);
        Assert.Contains("Legacy.cs(9,9): warning TM3001", buildOutput);
        Assert.Contains("1 Warning(s)", buildOutput);

        var output = Path.Combine(_work, "out");
        Directory.CreateDirectory(output);
        var (runExit, runOutput) = DotNet.Run(app, "run", "-c", "Release", "--no-build", "--", output);
        Assert.True(runExit == 0, runOutput);
        Assert.Contains("sent=1", runOutput);
        var eml = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(output, "pickup"), "*.eml")));
        Assert.Contains("Subject: Welcome to Acme\r\n", eml);
        Assert.Contains("Hi Ada, welcome to Acme.", eml);

        // A template error is a build error that points into the template file, in a culture variant as in a neutral template.
        File.WriteAllText(Path.Combine(app, "Mail", "WelcomeEmail.text.scriban"), "Hi {{ first_name }},\n{{ product_nmae }}\n");
        File.WriteAllText(Path.Combine(app, "Mail", "WelcomeEmail.fr.text.scriban"), "Bonjour {{ first_name }},\n\nBienvenue chez {{ prodcut_name }}.\n");
        var (brokenExit, brokenOutput) = DotNet.Run(app, "build", "-c", "Release");
        Assert.NotEqual(0, brokenExit);
        Assert.Contains(Path.Combine("Mail", "WelcomeEmail.text.scriban") + "(2,4", brokenOutput);
        Assert.Contains("product_nmae", brokenOutput);
        Assert.Contains(Path.Combine("Mail", "WelcomeEmail.fr.text.scriban") + "(3,19", brokenOutput);
        Assert.Contains("'prodcut_name' is not a member of 'WelcomeEmail'", brokenOutput);
    }
}
