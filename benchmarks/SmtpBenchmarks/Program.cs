using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TypedMail.Benchmarks.Smtp;

// Throughput of TypedMail's SMTP transport (MailKit underneath) to postfix's smtp-sink on loopback, against
// raw MailKit SmtpClients on as many connections and System.Net.Mail, measured in the same run; also through a 10 ms round trip.
// Run: dotnet run -c Release --project benchmarks/SmtpBenchmarks -- --filter '*'
// Each benchmark starts its own smtp-sink (postfix must be installed: see shared/smtp-test-servers.md).
var config = ManualConfig.CreateEmpty()
    .AddJob(Job.Default
        .WithStrategy(RunStrategy.Monitoring)
        .WithWarmupCount(3)
        .WithIterationCount(5)
        .WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(DefaultColumnProviders.Instance)
    .AddColumn(new ThroughputColumn())
    .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
    .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
    .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared))
    .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams);

BenchmarkSwitcher.FromAssembly(typeof(SmtpBench).Assembly).Run(args, config);
