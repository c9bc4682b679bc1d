using System.Data.Common;
using Npgsql;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// What AlertHub adds to the operator's PostgreSQL connection string (<c>ConnectionStrings:AlertHub</c>) where the
/// operator did not set it (issue 16, measured in README <i>Performance</i>):
/// <list type="bullet">
/// <item><c>Max Auto Prepare</c>: PostgreSQL parsed and planned every statement of every raise and receipt anew (its
/// log showed parse, bind and execute for each of the 31 rows of a raise). Now a statement used a few times on a
/// connection is prepared once and then only bound.</item>
/// <item><c>No Reset On Close</c>: each time a connection went back to the pool, the next use first ran a reset batch
/// (<c>RESET ALL; CLOSE ALL; UNLISTEN *; …</c>), six and a half per raise. AlertHub leaves no session state on a
/// connection (no <c>SET</c>, <c>LISTEN</c>, session advisory locks or temporary tables), so there is nothing to reset;
/// code that adds such state must set it back itself.</item>
/// </list>
/// </summary>
internal static class PostgresConnections
{
    /// <summary>The most statements Npgsql keeps prepared per connection (the hot paths use about 25).</summary>
    public const int MaxAutoPrepare = 100;

    public static string WithDefaults(string connectionString)
    {
        // What the operator wrote, as written: Npgsql's own builder answers ContainsKey for every keyword it knows.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // An explicit value, also 0 or false (off), is the operator's choice.
        if (!Sets(written, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (!Sets(written, "No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }

    /// <summary>Npgsql takes a keyword with or without its spaces ("Max Auto Prepare", "MaxAutoPrepare"), in any case.</summary>
    private static bool Sets(DbConnectionStringBuilder written, string keyword) =>
        written.ContainsKey(keyword) || written.ContainsKey(keyword.Replace(" ", "", StringComparison.Ordinal));
}
