using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TypedMail.Outbox;

/// <summary>
/// The message and recipient tables as the application's model maps them (table and column names, each column's type
/// mapping and value converter), for the writes that bypass the change tracker: enqueue inside <c>SaveChanges</c> and
/// bulk enqueue. Read from the model once per model, so the SQL always matches what migrations create.
/// </summary>
internal sealed class OutboxRowMapping
{
    private static readonly ConditionalWeakTable<IModel, OutboxRowMapping> Cache = [];

    private OutboxRowMapping(IModel model)
    {
        Messages = OutboxTableMapping.Of(model, typeof(OutboxMessage));
        Recipients = OutboxTableMapping.Of(model, typeof(OutboxRecipient));
        MessageKey = Messages.Column(nameof(OutboxMessage.Id));
    }

    public OutboxTableMapping Messages { get; }

    public OutboxTableMapping Recipients { get; }

    /// <summary>The message table's key column.</summary>
    public string MessageKey { get; }

    public static OutboxRowMapping For(DbContext context) => Cache.GetValue(context.Model, static m => new OutboxRowMapping(m));
}

/// <summary>One outbox table: its name and the columns an insert writes (store-generated keys left out).</summary>
internal sealed class OutboxTableMapping
{
    private OutboxTableMapping(string table, OutboxColumn[] columns)
    {
        Table = table;
        Columns = columns;
    }

    public string Table { get; }

    public OutboxColumn[] Columns { get; }

    /// <summary><c>"table" ("col1", "col2", …)</c>, quoted for both providers.</summary>
    public string InsertTarget => $"\"{Table}\" ({string.Join(", ", Columns.Select(c => "\"" + c.Name + "\""))})";

    public static OutboxTableMapping Of(IModel model, Type type)
    {
        var entity = model.FindEntityType(type)
            ?? throw new InvalidOperationException($"The context's model has no {type.Name}: call modelBuilder.AddTypedMailOutbox() in OnModelCreating.");
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => !(p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) && p.IsPrimaryKey() && p.ClrType != typeof(Guid)))
            .Select(p => new OutboxColumn(p.GetColumnName(store)!, p, p.GetRelationalTypeMapping()))
            .ToArray();
        return new OutboxTableMapping(table, columns);
    }

    public string Column(string property) => Columns.Single(c => c.Property.Name == property).Name;
}

/// <summary>One column: its name, the entity property it holds and the provider's type mapping (converter included).</summary>
internal sealed record OutboxColumn(string Name, IProperty Property, RelationalTypeMapping Mapping)
{
    /// <summary>The entity's value, converted for the provider (enums as numbers, dates as the model stores them).</summary>
    public object? ProviderValue(object entity)
    {
        var value = Property.GetGetter().GetClrValue(entity);
        return value switch
        {
            null => null,
            _ when Mapping.Converter is { } converter => converter.ConvertToProvider(value),
            Enum e => Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), System.Globalization.CultureInfo.InvariantCulture),
            _ => value,
        };
    }

    /// <summary>Adds the entity's value to <paramref name="command"/> as a parameter named <paramref name="name"/>.</summary>
    public void AddParameter(DbCommand command, string name, object entity)
        => command.Parameters.Add(Mapping.CreateParameter(command, name, Property.GetGetter().GetClrValue(entity), Property.IsNullable));
}
