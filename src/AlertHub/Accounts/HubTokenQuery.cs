using Microsoft.AspNetCore.Http.Features;

namespace AlertHub.Accounts;

/// <summary>
/// A browser's hub connection carries its access token in the query string (a WebSocket cannot send headers), and a
/// WebSocket request lives as long as the connection: hours. Once the token is taken, the request forgets it, so the
/// token is not kept in the request's query (and its parsed copy) for the life of the connection: nothing later can
/// read or log it from there, and a connection holds ~2 KB less (issue 16, memory per connection). The other
/// parameters (the connection id, <c>deltas</c>) stay.
/// </summary>
internal static class HubTokenQuery
{
    public const string Parameter = "access_token";

    public static void Forget(HttpContext context)
    {
        var request = context.Request;
        var rest = QueryString.Create(request.Query.Where(p => !string.Equals(p.Key, Parameter, StringComparison.OrdinalIgnoreCase)));
        request.QueryString = rest;
        if (context.Features.Get<IHttpRequestFeature>() is { } feature)
        {
            feature.RawTarget = request.PathBase + request.Path + rest;
        }
    }
}
