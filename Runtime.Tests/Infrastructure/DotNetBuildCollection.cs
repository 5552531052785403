namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>
/// Tests that run <c>dotnet build</c>, <c>pack</c> or <c>run</c> on this repository's projects share obj/ and bin/
/// folders, so they run one at a time, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotNetBuildCollection
{
    public const string Name = "dotnet builds of the repository";
}
