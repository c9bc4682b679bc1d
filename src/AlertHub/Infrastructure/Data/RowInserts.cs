using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// New rows of one entity type written as multi-row INSERTs instead of one tracked entity each (issue 16: EF's
/// per-entity work was most of what a raise cost the group writer on PostgreSQL). The table, the columns and every
/// value's conversion (enums by name, times in UTC or as ticks) come from EF's model and type mappings, so the rows
/// are the ones EF would have written. Statements come in a few fixed sizes, so each size is one prepared statement.
/// Runs inside the caller's transaction; the rows are not tracked afterwards.
/// </summary>
internal static class RowInserts
{
    /// <summary>Rows per statement, largest first: 256 rows of 14 columns stay far below both databases' parameter limits.</summary>
    private static readonly int[] Sizes = [256, 64, 16, 4, 1];

    private static readonly ConcurrentDictionary<(IEntityType Type, int Size), string> Texts = new();

    private static readonly ConcurrentDictionary<IEntityType, Table> Tables = new();

    public static async Task InsertAsync<T>(AlertHubDbContext db, IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = Tables.GetOrAdd(type, t => new Table(t));
        var columns = table.Columns;
        var helper = db.GetService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("RowInserts runs inside the save's transaction.");
        var done = 0;
        foreach (var size in Sizes)
        {
            while (rows.Count - done >= size)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandTimeout = db.Database.GetCommandTimeout() ?? command.CommandTimeout;
                command.CommandText = Texts.GetOrAdd((type, size), key => Text(key.Type, table, key.Size, helper));
                for (var r = 0; r < size; r++)
                {
                    var row = rows[done + r];
                    for (var c = 0; c < columns.Count; c++)
                    {
                        var column = columns[c];
                        command.Parameters.Add(column.Mapping.CreateParameter(
                            command, table.Names[r * columns.Count + c], column.Getter.GetClrValue(row), column.Property.IsNullable));
                    }
                }
                await command.ExecuteNonQueryAsync(ct);
                done += size;
            }
        }
    }

    private static string Text(IEntityType type, Table table, int size, ISqlGenerationHelper helper)
    {
        var text = new StringBuilder("INSERT INTO ")
            .Append(helper.DelimitIdentifier(type.GetTableName()!, type.GetSchema()))
            .Append(" (")
            .AppendJoin(", ", table.Columns.Select(c => helper.DelimitIdentifier(c.Column)))
            .Append(") VALUES ");
        for (var r = 0; r < size; r++)
        {
            text.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < table.Columns.Count; c++)
            {
                text.Append(c == 0 ? "" : ", ").Append(helper.GenerateParameterNamePlaceholder(table.Names[r * table.Columns.Count + c]));
            }
            text.Append(')');
        }
        return text.ToString();
    }

    /// <summary>The columns of an entity type's table as EF maps them, and the parameter names of the largest statement.</summary>
    private sealed class Table
    {
        public Table(IEntityType type)
        {
            var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
            Columns = type.GetProperties()
                .Select(p => new TableColumn(p, p.GetColumnName(table) ?? throw new InvalidOperationException($"{p.Name} has no column."),
                    p.GetRelationalTypeMapping(), p.GetGetter()))
                .ToList();
            Names = Enumerable.Range(0, Sizes[0] * Columns.Count)
                .Select(i => "p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        public List<TableColumn> Columns { get; }

        public string[] Names { get; }
    }

    private sealed record TableColumn(IProperty Property, string Column, RelationalTypeMapping Mapping, IClrPropertyGetter Getter);
}
