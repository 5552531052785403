using System;
using System.IO;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests;

/// <summary>The README's quick start, run as the README runs it.</summary>
[Collection(DotNetBuildCollection.Name)]
public sealed class QuickStartSampleTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "typedmail-quickstart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public void Quick_start_sends_the_committed_order_and_nothing_for_the_rolled_back_one()
    {
        var (exit, output) = DotNet.Run(RepoPaths.Root, "run", "--project", "samples/QuickStart", "--", _output);
        Assert.True(exit == 0, output);
        Assert.Contains("OK: the committed order's email was sent; the rolled-back order's was not.", output);

        var eml = Assert.Single(Directory.GetFiles(Path.Combine(_output, "pickup"), "*.eml"));
        var text = File.ReadAllText(eml);
        Assert.Contains("A-1001", text);
        Assert.DoesNotContain("A-1002", text);
        var (checkExit, checkOutput) = MimeCheck.Run(eml);
        Assert.True(checkExit == 0, checkOutput);
    }
}
