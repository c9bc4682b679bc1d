using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Bench;
using AlertHub.Delivery;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.People;

var builder = WebApplication.CreateBuilder(args);
builder.AddInfrastructure();
builder.AddAccounts();
builder.AddAlerts();
builder.AddDelivery();
builder.AddBench();

var app = builder.Build();
app.UseInfrastructure();
app.UseAuthentication();
app.UseAuthorization();
app.MapInfrastructure();
app.MapAuth();
app.MapPeople();
app.MapAlerts();
app.MapAlertsHub();
app.MapTwilioWebhooks();

await app.InitialiseDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so tests can host the real application.</summary>
public partial class Program;
