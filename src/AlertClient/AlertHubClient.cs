using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Client;

/// <summary>
/// A typed client for the AlertHub HTTP API. Not thread-affine; one instance per signed-in user.
/// </summary>
public sealed class AlertHubClient(HttpClient http)
{
    /// <summary>The access token of the last successful sign-in, or null.</summary>
    public string? AccessToken { get; private set; }

    /// <summary>The underlying HTTP client (its base address is the hub's address).</summary>
    public HttpClient Http => http;

    /// <summary>Signs in and attaches the bearer token to every later call.</summary>
    /// <exception cref="AlertHubException">Wrong e-mail or password, or the hub answered with an error.</exception>
    public async Task<TokenResponse> LoginAsync(string email, string password, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), AlertHubJson.Options, ct);
        var token = await ReadAsync<TokenResponse>(response, ct);
        UseToken(token.AccessToken);
        return token;
    }

    /// <summary>Uses an access token obtained elsewhere.</summary>
    public void UseToken(string accessToken)
    {
        AccessToken = accessToken;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
    }

    /// <summary>Raises an alert; an empty request is the coordinator's one tap for their own school.</summary>
    /// <param name="request">Optional school, kind and note.</param>
    /// <param name="idempotencyKey">Send the same key on a retry to get the same alert back.</param>
    /// <param name="ct">Cancels the call.</param>
    public async Task<AlertDto> RaiseAsync(RaiseAlertRequest? request = null, string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/alerts");
        if (request is not null)
        {
            message.Content = JsonContent.Create(request, options: AlertHubJson.Options);
        }
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        using var response = await http.SendAsync(message, ct);
        return await ReadAsync<AlertDto>(response, ct);
    }

    /// <summary>Reads one alert.</summary>
    public Task<AlertDto> GetAlertAsync(Guid id, CancellationToken ct = default) => GetAsync<AlertDto>($"/api/alerts/{id}", ct);

    /// <summary>Lists alerts visible to the caller; <paramref name="status"/> is open, resolved, cancelled or null for all.</summary>
    public Task<List<AlertDto>> ListAlertsAsync(string? status = "open", CancellationToken ct = default) =>
        GetAsync<List<AlertDto>>(status is null ? "/api/alerts" : $"/api/alerts?status={Uri.EscapeDataString(status)}", ct);

    /// <summary>Answers an alert as a recipient.</summary>
    public Task<AlertDto> AcknowledgeAsync(Guid id, AckResponse response, CancellationToken ct = default) =>
        PostAsync<AlertDto>($"/api/alerts/{id}/acknowledgements", new AcknowledgeRequest(response), ct);

    /// <summary>Adds a short update to an alert's timeline.</summary>
    public Task<AlertDto> PostUpdateAsync(Guid id, string text, CancellationToken ct = default) =>
        PostAsync<AlertDto>($"/api/alerts/{id}/updates", new PostUpdateRequest(text), ct);

    /// <summary>Resolves an alert; everyone involved gets the feedback.</summary>
    public Task<AlertDto> ResolveAsync(Guid id, string? outcome, CancellationToken ct = default) =>
        PostAsync<AlertDto>($"/api/alerts/{id}/resolve", new ResolveRequest(outcome), ct);

    /// <summary>Cancels an alert as a false alarm.</summary>
    public Task<AlertDto> CancelAsync(Guid id, CancellationToken ct = default) =>
        PostAsync<AlertDto>($"/api/alerts/{id}/cancel", null, ct);

    /// <summary>Builds a SignalR connection to the alerts hub with this client's token and the AlertHub wire format.</summary>
    public HubConnection CreateHubConnection(Action<IHubConnectionBuilder>? configure = null)
    {
        var token = AccessToken ?? throw new InvalidOperationException("Sign in before connecting to the hub.");
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(http.BaseAddress!, HubNames.Path), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(options => AlertHubJson.Configure(options.PayloadSerializerOptions));
        configure?.Invoke(builder);
        return builder.Build();
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        return await ReadAsync<T>(response, ct);
    }

    private async Task<T> PostAsync<T>(string path, object? body, CancellationToken ct)
    {
        using var content = body is null ? null : JsonContent.Create(body, body.GetType(), options: AlertHubJson.Options);
        using var response = await http.PostAsync(path, content, ct);
        return await ReadAsync<T>(response, ct);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new AlertHubException(response.StatusCode, body);
        }
        return await response.Content.ReadFromJsonAsync<T>(AlertHubJson.Options, ct)
            ?? throw new AlertHubException(response.StatusCode, "Empty answer.");
    }
}

/// <summary>The hub answered with an error status; <see cref="Problem"/> holds its problem-details body.</summary>
public sealed class AlertHubException(HttpStatusCode statusCode, string problem)
    : Exception($"AlertHub answered {(int)statusCode} {statusCode}: {problem}")
{
    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The raw problem-details JSON.</summary>
    public string Problem { get; } = problem;
}
