using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Dashboard;
using AlertHub.Delivery;
using AlertHub.Delivery.WebPush;
using AlertHub.Evaluations;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.Partners;
using AlertHub.People;
using AlertHub.Privacy;
using AlertHub.Readiness;
using AlertHub.Web;

// Issue 16: settings are read once at start. Reloading them on change made the host watch its whole content root,
// where the SQLite database and its WAL live (data/), and wake on every write: 5–6 % of a SQLite node's CPU.
// `--hostBuilder:reloadConfigOnChange=true` on the command line turns the watcher back on.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddInfrastructure();
builder.AddAccounts();
builder.AddSecurity();
builder.AddAlerts();
builder.AddDelivery();
builder.AddWebPush();
builder.AddEvaluations();
builder.AddPrivacy();
builder.AddPartners();
builder.AddReadiness();
builder.AddTelemetry();

var app = builder.Build();
app.UseInfrastructure();
app.UseSecurity();
app.UseWebApp();
app.UseAuthentication();
app.Use(SessionStamps.CheckAsync);
app.UseAuthorization();
app.UseRateLimiter();
app.MapInfrastructure();
// Every endpoint of the API states the errors it can answer (for the OpenAPI document), also one added later.
var endpoints = app.MapGroup("");
((IEndpointConventionBuilder)endpoints).Finally(ApiDocs.AddErrorResponses);
endpoints.MapAuth();
endpoints.MapPeople();
endpoints.MapAlerts();
endpoints.MapHotline();
endpoints.MapAlertsHub();
endpoints.MapTwilioWebhooks();
endpoints.MapWebPush();
endpoints.MapEvaluations();
endpoints.MapDashboard();
endpoints.MapPrivacy();
endpoints.MapPartners();
endpoints.MapReadiness();
app.MapTelemetry();
ApiDocs.MapReference(app);

await app.InitialiseDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so tests can host the real application.</summary>
public partial class Program;
