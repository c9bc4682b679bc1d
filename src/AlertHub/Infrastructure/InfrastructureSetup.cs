using System.Text.Json;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure;

internal static class InfrastructureSetup
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddInfrastructure(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        services.TryAddSingleton(TimeProvider.System);
        AddOptions<DatabaseOptions>(services, DatabaseOptions.SectionName);
        AddOptions<AlertsOptions>(services, AlertsOptions.SectionName);
        AddOptions<HotlineOptions>(services, HotlineOptions.SectionName);
        services.AddSingleton<IValidateOptions<HotlineOptions>, HotlineOptionsValidation>();
        AddOptions<AuthOptions>(services, AuthOptions.SectionName);
        services.AddOptions<DemoOptions>().Configure(o =>
            o.Enabled = builder.Configuration.GetValue<bool?>("Demo:Enabled") ?? builder.Environment.IsDevelopment());

        // The options are built for every request scope; the connection string (with its defaults) only once.
        var postgres = IsPostgres(builder);
        var connectionString = new Lazy<string>(() => DatabaseConnectionString(builder, postgres));
        if (postgres)
        {
            services.AddDbContext<AlertHubDbContext, PostgresAlertHubDbContext>(options => UseDatabase(options, postgres, connectionString.Value));
        }
        else
        {
            services.AddDbContext<AlertHubDbContext>(options => UseDatabase(options, postgres, connectionString.Value));
        }
        // Keys in the database: a token issued by one node is accepted by every other node. With
        // DataProtection:CertificatePath they are encrypted with that certificate before they are stored.
        var protection = services.AddDataProtection().SetApplicationName("AlertHub").PersistKeysToDbContext<AlertHubDbContext>();
        var certificate = KeyCertificate.Load(builder.Configuration);
        if (certificate is not null)
        {
            protection.ProtectKeysWithCertificate(certificate);
        }
        else
        {
            // The framework's "No XML encryptor configured" names no setting; KeyCertificate's start-up line does.
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
            services.AddHostedService<KeyCertificate.Warning>();
        }

        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            // Audit first, so a refusal of the authorization behaviour is audited; authorization before validation, so a
            // refused caller learns nothing about the rules of the input.
            options.PipelineBehaviors =
            [
                typeof(Privacy.AuditBehavior<,>), typeof(Security.AuthorizationBehavior<,>), typeof(ValidationBehavior<,>), typeof(ConcurrencyRetryBehavior<,>),
            ];
        });
        services.AddScoped<Security.Callers>();
        services.AddValidatorsFromAssemblyContaining<AlertHubDbContext>(ServiceLifetime.Scoped, includeInternalTypes: true);

        // Problem details the framework writes itself (the authorization layer's 401/403, status code pages) carry
        // the English reason phrase as their title; every answer of the hub is Dutch, so those get Dutch words.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context => DutchProblems.Apply(context.ProblemDetails));
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        // Binding errors are thrown so that one handler can name the offending field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            AlertHubJson.Configure(o.SerializerOptions);
            // A misspelt or foreign field is an error, not silently dropped (the client stays tolerant
            // when reading, so servers can add fields without breaking it).
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi(ApiDocs.Configure);
        return builder;
    }

    public static WebApplication UseInfrastructure(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static IEndpointRouteBuilder MapInfrastructure(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteHealth,
        }).AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }

    private static void AddOptions<T>(IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    private static bool IsPostgres(WebApplicationBuilder builder) =>
        string.Equals(builder.Configuration["Database:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);

    private static string DatabaseConnectionString(WebApplicationBuilder builder, bool postgres)
    {
        var connectionString = builder.Configuration.GetConnectionString("AlertHub");
        if (postgres)
        {
            if (string.IsNullOrEmpty(connectionString))
            {
                throw new InvalidOperationException("Database:Provider=Postgres needs ConnectionStrings:AlertHub.");
            }
            return PostgresConnections.WithDefaults(connectionString);
        }
        if (!string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }
        var dataDirectory = Path.Combine(builder.Environment.ContentRootPath, "data");
        Directory.CreateDirectory(dataDirectory);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "alerthub.db"),
            DefaultTimeout = 30,
        }.ToString();
    }

    private static void UseDatabase(DbContextOptionsBuilder options, bool postgres, string connectionString)
    {
        options.AddInterceptors(Privacy.AuditInterceptor.Instance);
        if (postgres)
        {
            // No retrying execution strategy: it refuses the explicit transactions the import and accounts use.
            options.UseNpgsql(connectionString);
            return;
        }
        options.UseSqlite(connectionString);
        options.AddInterceptors(Data.SqliteWriteGate.Instance);
        // SQLite rebuilds a table for some schema changes with PRAGMA foreign_keys outside the migration's
        // transaction (SQLite allows it nowhere else); EF warns about it on every fresh database. The one migration
        // that does so (SmsTimersAndHotline) runs on an empty or consistent database at start-up, before any
        // request, under EF's migration lock: nothing for an operator to act on.
        options.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.NonTransactionalMigrationOperationWarning));
    }

    // Readiness answers with the reason, so an operator sees *why* a node is out of rotation.
    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), reason = e.Value.Description }),
        }));
    }
}
