using Microsoft.AspNetCore.StaticFiles;

namespace AlertHub.Web;

internal static class WebAppSetup
{
    /// <summary>
    /// Serves the web app from wwwroot. It runs before authentication on purpose: the shell is
    /// public (it holds no data), while every API call behind it still needs a bearer token.
    /// </summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                // The service worker and the shell must be re-checked on every load, or fixes never arrive.
                context.Context.Response.Headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}
