using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// New rows of one entity type written past the change tracker (issue 16: EF's per-entity work was most of what a
/// raise cost the group writer on PostgreSQL). The table, the columns and every value's conversion (enums by name,
/// times in UTC or as ticks) come from EF's model and type mappings, so the rows are the ones EF would have written.
/// On PostgreSQL all rows are one statement of arrays; on SQLite (in process, no round trips) one prepared single-row
/// statement runs for each row. Runs inside the caller's transaction; the rows are not tracked afterwards.
/// </summary>
internal static class RowInserts
{
    /// <summary>Per entity type of a model (and so of one database): its columns and its statement.</summary>
    private static readonly ConcurrentDictionary<IEntityType, Table> Tables = new();

    public static async Task InsertAsync<T>(AlertHubDbContext db, IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = Tables.GetOrAdd(type, t => new Table(t, db.GetService<ISqlGenerationHelper>(), arrays: db.Database.IsNpgsql()));
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("RowInserts runs inside the save's transaction.");
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandTimeout = db.Database.GetCommandTimeout() ?? command.CommandTimeout;
        command.CommandText = table.Text;
        if (table.Arrays)
        {
            // PostgreSQL: one round trip and one prepared statement for the whole group, however many rows it has.
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var column = table.Columns[c];
                var values = Array.CreateInstance(column.ProviderType, rows.Count);
                for (var r = 0; r < rows.Count; r++)
                {
                    var value = column.Getter.GetClrValue(rows[r]);
                    values.SetValue(value is null || column.Mapping.Converter is not { } converter ? value : converter.ConvertToProvider(value), r);
                }
                command.Parameters.Add(new Npgsql.NpgsqlParameter(table.Names[c], values));
            }
            await command.ExecuteNonQueryAsync(ct);
            return;
        }
        // SQLite: the same prepared statement for each row. (Statements of up to 256 rows halved raise-only on SQLite
        // in the bench: 126–168 against 205–338 alerts/s.)
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var column = table.Columns[c];
                command.Parameters.Add(column.Mapping.CreateParameter(command, table.Names[c], column.Getter.GetClrValue(row), column.Property.IsNullable));
            }
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The columns of an entity type's table as EF maps them, a parameter name for each, and the statement.</summary>
    private sealed class Table
    {
        public Table(IEntityType type, ISqlGenerationHelper helper, bool arrays)
        {
            var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
            Columns = type.GetProperties()
                .Select(p => new TableColumn(p, p.GetColumnName(table) ?? throw new InvalidOperationException($"{p.Name} has no column."),
                    p.GetRelationalTypeMapping(), p.GetGetter(), ProviderType(p)))
                .ToList();
            Names = Enumerable.Range(0, Columns.Count)
                .Select(i => "p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Arrays = arrays;
            // INSERT … SELECT * FROM unnest(@p0, …) on PostgreSQL (one array per column); INSERT … VALUES (@p0, …) on SQLite.
            Text = new StringBuilder("INSERT INTO ")
                .Append(helper.DelimitIdentifier(type.GetTableName()!, type.GetSchema()))
                .Append(" (")
                .AppendJoin(", ", Columns.Select(c => helper.DelimitIdentifier(c.Column)))
                .Append(arrays ? ") SELECT * FROM unnest(" : ") VALUES (")
                .AppendJoin(", ", Names.Select(helper.GenerateParameterNamePlaceholder))
                .Append(')')
                .ToString();
        }

        public List<TableColumn> Columns { get; }

        public string[] Names { get; }

        public bool Arrays { get; }

        public string Text { get; }
    }

    /// <summary>The element type of a column's array: what EF hands the provider, nullable where the column is.</summary>
    private static Type ProviderType(IProperty property)
    {
        var provider = property.GetRelationalTypeMapping().Converter?.ProviderClrType ?? property.ClrType;
        provider = Nullable.GetUnderlyingType(provider) ?? provider;
        return property.IsNullable && provider.IsValueType ? typeof(Nullable<>).MakeGenericType(provider) : provider;
    }

    private sealed record TableColumn(IProperty Property, string Column, RelationalTypeMapping Mapping, IClrPropertyGetter Getter, Type ProviderType);
}
