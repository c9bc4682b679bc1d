using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// SQLite has one writer. When two connections of a node write at once, the second gets SQLITE_BUSY and
/// Microsoft.Data.Sqlite retries it after sleeping 150 ms (its RetryWhileBusy), so under load every collision
/// costs a sixth of a second — the long tail the issue-16 profile showed. This gate lets the writes of one
/// database file in this process take turns instead, in arrival order: every SaveChanges (<see cref="AlertHubDbContext"/>)
/// and every write statement outside a transaction (ExecuteUpdate, ExecuteDelete). Reads are never held up
/// (WAL). A flow that already holds the gate passes (a save's own statements). Nothing changes for PostgreSQL.
/// An explicit transaction takes its turn first (<see cref="EnterAsync(AlertHubDbContext, CancellationToken)"/>);
/// else it could hold SQLite's lock while waiting here for a save that waits for that lock.
/// A turn that has waited <see cref="Patience"/> goes ahead anyway, so a forgotten nesting can only be slow,
/// never stuck.
/// </summary>
internal sealed class SqliteWriteGate : DbCommandInterceptor
{
    public static readonly SqliteWriteGate Instance = new();
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private static readonly AsyncLocal<string?> Holding = new();
    private static readonly ConditionalWeakTable<DbCommand, Turn> Commands = new();

    /// <summary>How often a writer had to wait for another (for the benchmark's profile).</summary>
    public static long Waits => Interlocked.Read(ref _waits);

    private static long _waits;

    /// <summary>For an explicit transaction: null when the database is not SQLite or the flow holds the turn already.</summary>
    public static ValueTask<Turn?> EnterAsync(AlertHubDbContext db, CancellationToken ct) =>
        db.Database.IsSqlite() ? EnterAsync(db.Database.GetDbConnection(), ct) : ValueTask.FromResult<Turn?>(null);

    /// <summary>Waits for this database's turn; dispose the result to give it back. Null: the flow holds it already.</summary>
    public static async ValueTask<Turn?> EnterAsync(DbConnection connection, CancellationToken ct)
    {
        var key = connection.DataSource;
        if (Holding.Value == key)
        {
            return null;
        }
        var gate = Gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        if (!gate.Wait(0))
        {
            Interlocked.Increment(ref _waits);
            if (!await gate.WaitAsync(Patience, ct))
            {
                return new Turn(null, key); // go ahead ungated; SQLite's own locking still keeps the data right
            }
        }
        return new Turn(gate, key);
    }

    /// <summary>Marks the current flow as the holder (call in the method that keeps the turn, not in a callee).</summary>
    public static void Hold(Turn? turn)
    {
        if (turn is not null)
        {
            Holding.Value = turn.Key;
        }
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (command.Transaction is null && command.Connection is { } connection && await EnterAsync(connection, cancellationToken) is { } turn)
        {
            Commands.AddOrUpdate(command, turn);
        }
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (command.Transaction is null && command.Connection is { } connection && EnterAsync(connection, CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } turn)
        {
            Commands.AddOrUpdate(command, turn);
        }
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Leave(command);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Leave(command);
        return result;
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Leave(command);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(command);
        return Task.CompletedTask;
    }

    public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Leave(command);

    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(command);
        return Task.CompletedTask;
    }

    private static void Leave(DbCommand command)
    {
        if (Commands.TryGetValue(command, out var turn))
        {
            Commands.Remove(command);
            turn.Dispose();
        }
    }

    internal sealed class Turn(SemaphoreSlim? gate, string key) : IDisposable, IAsyncDisposable
    {
        private int _released;

        public string Key => key;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                if (Holding.Value == key)
                {
                    Holding.Value = null;
                }
                gate?.Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
