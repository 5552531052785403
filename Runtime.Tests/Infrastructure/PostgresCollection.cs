namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>The test classes that share one <see cref="PostgresCluster"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
