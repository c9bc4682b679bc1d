using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Client;

/// <summary>
/// A typed client for the AlertHub HTTP API. Not thread-affine; one instance per signed-in user.
/// </summary>
/// <remarks>
/// Raising is retried safely: every attempt carries the same <c>Idempotency-Key</c>, so a retry after a
/// dropped response returns the alert the first attempt created instead of raising a second one.
/// Other POSTs are never retried. An expired access token is renewed once with the refresh token.
/// </remarks>
public sealed class AlertHubClient(HttpClient http)
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);

    /// <summary>The access token of the last successful sign-in or refresh, or null.</summary>
    public string? AccessToken { get; private set; }

    /// <summary>The refresh token of the last successful sign-in or refresh, or null.</summary>
    public string? RefreshToken { get; private set; }

    /// <summary>When <see cref="AccessToken"/> stops being accepted, if known.</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; private set; }

    /// <summary>The underlying HTTP client (its base address is the hub's address).</summary>
    public HttpClient Http => http;

    /// <summary>How often a raise is attempted in total before its error is thrown (default 4).</summary>
    public int MaxRaiseAttempts { get; set; } = 4;

    /// <summary>Delay before the first raise retry; doubles with every further retry (default 250 ms).</summary>
    public TimeSpan RaiseRetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Called after the tokens were renewed, so a caller can store the new ones.</summary>
    public event Action<TokenResponse>? TokensRefreshed;

    /// <summary>Signs in and attaches the bearer token to every later call.</summary>
    /// <exception cref="AlertHubException">Wrong e-mail or password (401), or the hub answered with an error.</exception>
    public async Task<TokenResponse> LoginAsync(string email, string password, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), AlertHubJson.Options, ct);
        var token = await ReadAsync<TokenResponse>(response, ct);
        UseTokens(token);
        return token;
    }

    /// <summary>Exchanges the refresh token for new tokens.</summary>
    /// <exception cref="InvalidOperationException">No refresh token is known.</exception>
    /// <exception cref="AlertHubException">The refresh token expired or was revoked (401).</exception>
    public async Task<TokenResponse> RefreshAsync(CancellationToken ct = default)
    {
        var refreshToken = RefreshToken ?? throw new InvalidOperationException("Sign in before refreshing.");
        using var response = await http.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(refreshToken), AlertHubJson.Options, ct);
        var token = await ReadAsync<TokenResponse>(response, ct);
        UseTokens(token);
        TokensRefreshed?.Invoke(token);
        return token;
    }

    /// <summary>Uses an access token obtained elsewhere.</summary>
    public void UseToken(string accessToken)
    {
        AccessToken = accessToken;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
    }

    /// <summary>Uses tokens obtained elsewhere (e.g. a stored session); enables automatic refresh.</summary>
    public void UseTokens(string accessToken, string? refreshToken, DateTimeOffset? expiresAt)
    {
        UseToken(accessToken);
        RefreshToken = refreshToken;
        AccessTokenExpiresAt = expiresAt;
    }

    private void UseTokens(TokenResponse token) =>
        UseTokens(token.AccessToken, token.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(token.ExpiresIn));

    /// <summary>
    /// The current access token, refreshed first when it expires within a minute and a refresh token is known.
    /// Used by <see cref="AlertSubscription"/> on every (re)connect.
    /// </summary>
    public async Task<string?> GetFreshAccessTokenAsync(CancellationToken ct = default)
    {
        if (RefreshToken is not null && AccessTokenExpiresAt is { } expires && expires - DateTimeOffset.UtcNow < TimeSpan.FromMinutes(1))
        {
            await RefreshOnceAsync(AccessToken, ct);
        }
        return AccessToken;
    }

    /// <summary>Raises an alert; an empty request is the coordinator's one tap for their own school.</summary>
    /// <param name="request">Optional school, kind and note.</param>
    /// <param name="idempotencyKey">
    /// Identifies this tap. Send the same key again to get the same alert back. When null a new key is made,
    /// so the automatic retries of this call are still safe.
    /// </param>
    /// <param name="ct">Cancels the call, including its retries.</param>
    /// <remarks>
    /// Retried (same key, growing delay) when the connection fails or times out and on 408, 429 and 5xx;
    /// every other error is thrown at once. The alert may already be resolved or cancelled when the key was
    /// used before; <see cref="RaiseWithResultAsync"/> tells whether this call created it.
    /// </remarks>
    public async Task<AlertDto> RaiseAsync(RaiseAlertRequest? request = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        (await RaiseWithResultAsync(request, idempotencyKey, ct)).Alert;

    /// <summary>
    /// Raises an alert like <see cref="RaiseAsync"/> and says whether the hub created it (201) or already had an
    /// alert for this <c>Idempotency-Key</c> within its window (200, CONTRACT v2): then the alert is returned in
    /// its current state, which may be resolved or cancelled by now, and a client shows that state, not "raised".
    /// </summary>
    public async Task<RaiseResult> RaiseWithResultAsync(RaiseAlertRequest? request = null, string? idempotencyKey = null, CancellationToken ct = default)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        var delay = RaiseRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await SendAsync(() =>
                {
                    var message = new HttpRequestMessage(HttpMethod.Post, "/api/alerts");
                    if (request is not null)
                    {
                        message.Content = JsonContent.Create(request, options: AlertHubJson.Options);
                    }
                    message.Headers.Add("Idempotency-Key", key);
                    return message;
                }, ct);
                if (attempt < MaxRaiseAttempts && IsTransient(response.StatusCode))
                {
                    await Task.Delay(delay, ct);
                    delay *= 2;
                    continue;
                }
                var alert = await ReadAsync<AlertDto>(response, ct);
                return new RaiseResult(alert, Created: response.StatusCode == HttpStatusCode.Created);
            }
            catch (Exception e) when (attempt < MaxRaiseAttempts && !ct.IsCancellationRequested
                && e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The request may or may not have reached the hub; the same key makes asking again harmless.
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }

    /// <summary>
    /// The CONTRACT v2 change feed (<c>GET /api/changes</c>): the latest state of every alert the caller may see that
    /// changed after <paramref name="cursor"/>, oldest change first, and the cursor to pass next time (at once while
    /// <see cref="AlertChangesDto.More"/> is true). Null cursor: every visible alert open or closed in the last 24 h.
    /// </summary>
    /// <param name="cursor">The <see cref="AlertChangesDto.Cursor"/> of the previous call, as it was returned (opaque).</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<AlertChangesDto> GetChangesAsync(string? cursor = null, CancellationToken ct = default) =>
        GetAsync<AlertChangesDto>(string.IsNullOrEmpty(cursor) ? "/api/changes" : $"/api/changes?cursor={Uri.EscapeDataString(cursor)}", ct);

    /// <summary>Reads one alert.</summary>
    public Task<AlertDto> GetAlertAsync(Guid id, CancellationToken ct = default) => GetAsync<AlertDto>($"/api/alerts/{id}", ct);

    /// <summary>Lists alerts visible to the caller; <paramref name="status"/> is open, resolved, cancelled or null for all.</summary>
    public Task<List<AlertDto>> ListAlertsAsync(string? status = "open", CancellationToken ct = default) =>
        GetAsync<List<AlertDto>>(status is null ? "/api/alerts" : $"/api/alerts?status={Uri.EscapeDataString(status)}", ct);

    /// <summary>The report of a drill (issue 17): who was reached how fast, who answered, the slowest discipline.</summary>
    public Task<DrillReportDto> GetDrillReportAsync(Guid id, CancellationToken ct = default) => GetAsync<DrillReportDto>($"/api/alerts/{id}/report", ct);

    /// <summary>Issue 17: the region's coverage — per discipline now, the roster's gaps today and tomorrow, the opening check.</summary>
    public Task<CoverageDto> GetCoverageAsync(CancellationToken ct = default) => GetAsync<CoverageDto>("/api/coverage", ct);

    /// <summary>The drill report as a printable HTML page.</summary>
    public async Task<string> GetDrillReportHtmlAsync(Guid id, CancellationToken ct = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/api/alerts/{id}/report?format=html"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode ? body : throw new AlertHubException(response.StatusCode, body);
    }

    /// <summary>The signed-in person.</summary>
    public Task<MeDto> GetMeAsync(CancellationToken ct = default) => GetAsync<MeDto>("/api/me", ct);

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
    /// <param name="configure">Extra settings, e.g. <c>WithAutomaticReconnect</c>.</param>
    /// <param name="baseAddress">Another node of the same deployment; null = the HTTP client's base address.</param>
    public HubConnection CreateHubConnection(Action<IHubConnectionBuilder>? configure = null, Uri? baseAddress = null)
    {
        if (AccessToken is null)
        {
            throw new InvalidOperationException("Sign in before connecting to the hub.");
        }
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress ?? http.BaseAddress!, HubNames.Path),
                options => options.AccessTokenProvider = () => GetFreshAccessTokenAsync())
            .AddJsonProtocol(options => AlertHubJson.Configure(options.PayloadSerializerOptions));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>
    /// A subscription to this user's alerts that confirms receipt, reconnects across <paramref name="hubUrls"/>
    /// (default: this client's address), catches up through the change feed and never reports a version it
    /// already reported, nor an older one.
    /// </summary>
    public AlertSubscription Subscribe(IReadOnlyList<Uri>? hubUrls = null, AlertSubscriptionOptions? options = null) =>
        new(this, hubUrls is { Count: > 0 } ? hubUrls : [http.BaseAddress!], options);

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), ct);
        return await ReadAsync<T>(response, ct);
    }

    private async Task<T> PostAsync<T>(string path, object? body, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: AlertHubJson.Options),
        }, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>Sends; on a 401 with a known refresh token, renews the tokens once and sends a fresh copy.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken ct)
    {
        var usedToken = AccessToken;
        using (var first = create())
        {
            var response = await http.SendAsync(first, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized || RefreshToken is null)
            {
                return response;
            }
            response.Dispose();
        }
        await RefreshOnceAsync(usedToken, ct);
        using var second = create();
        return await http.SendAsync(second, ct);
    }

    // Several calls can find the token expired at once; only the first refreshes, the others reuse its result.
    private async Task RefreshOnceAsync(string? expiredToken, CancellationToken ct)
    {
        await _refreshLock.WaitAsync(ct);
        try
        {
            if (AccessToken == expiredToken)
            {
                await RefreshAsync(ct);
            }
        }
        finally
        {
            _refreshLock.Release();
        }
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
