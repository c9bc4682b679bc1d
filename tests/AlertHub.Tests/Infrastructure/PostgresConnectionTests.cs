using AlertHub.Infrastructure.Data;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AlertHub.Tests.Infrastructure;

/// <summary>Issue 16: PostgreSQL parsed and planned every statement of a raise anew; AlertHub now lets Npgsql prepare them.</summary>
public sealed class PostgresConnectionTests
{
    [Theory]
    [InlineData("Host=db.example;Username=alerthub", PostgresConnections.MaxAutoPrepare, true)]
    [InlineData("Host=db.example;Max Auto Prepare=0;No Reset On Close=false", 0, false)]
    [InlineData("Host=db.example;MaxAutoPrepare=7", 7, true)]
    [InlineData("Host=db.example;NoResetOnClose=false", PostgresConnections.MaxAutoPrepare, false)]
    public void PreparedStatements_AndNoResetOnReturnToThePool_UnlessTheOperatorChoseOtherwise(string configured, int prepare, bool noReset)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnections.WithDefaults(configured));
        Assert.Equal(prepare, builder.MaxAutoPrepare);
        Assert.Equal(noReset, builder.NoResetOnClose);
        Assert.Equal("db.example", builder.Host);
    }

    [Fact]
    [Trait("Category", "ScaleOut")]
    public async Task OnPostgres_AStatementTheNodeRepeats_IsPreparedOnItsConnection()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:AlertHub"] = PostgresServer.Instance.Database("alerthub_autoprepare"),
        });
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        await db.Database.OpenConnectionAsync();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        // Npgsql prepares a statement once it was used five times on a connection (Auto Prepare Min Usages).
        for (var i = 0; i < 6; i++)
        {
            await db.People.AsNoTracking().Where(p => p.Active).CountAsync();
        }
        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%People%'", connection);
        Assert.True((long)(await prepared.ExecuteScalarAsync())! >= 1, "the repeated query was parsed anew each time");
    }
}
