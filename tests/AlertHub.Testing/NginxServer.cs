using System.Globalization;
using System.Text.RegularExpressions;

namespace AlertHub.Testing;

/// <summary>
/// Debian's nginx with the production site <c>deploy/nginx/alerthub.conf</c>, rewritten as <c>deploy/local-cluster.sh</c>
/// rewrites it (listening on a free loopback port, logs in the server's folder) and in front of the given nodes, so what
/// is tested is the file that is deployed. It runs in the foreground under a <see cref="ServerProcess"/> guard: it stops
/// when the test disposes it and also when the test process ends some other way.
/// </summary>
public sealed partial class NginxServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly ServerProcess _process;

    private NginxServer(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public static bool Installed => File.Exists(Binary);

    public int Port { get; }

    /// <summary>The site's access log (<c>access_log</c> in alerthub.conf) as written so far.</summary>
    public string AccessLog => ReadShared(Path.Combine(_process.Folder, "alerthub.access.log"));

    public static async Task<NginxServer> StartAsync(params int[] nodePorts)
    {
        var folder = ServerProcess.CreateFolder("nginx");
        // Run as root, nginx's workers are "nobody" and must reach the temp folders nginx makes for them in here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var port = FreePort.Next();
        var site = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "nginx", "alerthub.conf"));
        if (!ListenLine().IsMatch(site))
        {
            throw new InvalidOperationException("deploy/nginx/alerthub.conf has no 'listen 80;' line to move to a test port.");
        }
        site = ListenLine().Replace(site, m => $"{m.Groups[1].Value}listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};");
        File.WriteAllText(Path.Combine(folder, "alerthub.conf"), site.Replace("/var/log/nginx/", folder + "/", StringComparison.Ordinal));
        File.WriteAllLines(Path.Combine(folder, "alerthub-nodes.conf"),
            nodePorts.Select(p => $"server 127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)} max_fails=3 fail_timeout=10s;"));
        var main = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(main, $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 64; }
            http {
                access_log {{folder}}/access.log;
                client_body_temp_path {{folder}}/temp-client-body;
                proxy_temp_path       {{folder}}/temp-proxy;
                fastcgi_temp_path     {{folder}}/temp-fastcgi;
                uwsgi_temp_path       {{folder}}/temp-uwsgi;
                scgi_temp_path        {{folder}}/temp-scgi;
                include {{folder}}/alerthub.conf;
            }
            """);

        // QUIT would wait for open connections (hub WebSockets stay for an hour); TERM is nginx's fast shutdown.
        var process = ServerProcess.Start("nginx", folder, "TERM", Binary,
            "-p", folder, "-c", main, "-e", Path.Combine(folder, "error.log"), "-g", "daemon off;");
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(10), () => process.HasExited);
        }
        catch (TimeoutException e)
        {
            var log = process.Log + ReadShared(Path.Combine(folder, "error.log"));
            await process.DisposeAsync();
            throw new InvalidOperationException("nginx did not start: " + log, e);
        }
        return new NginxServer(process, port);
    }

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^([ \t]*)listen 80;", RegexOptions.Multiline)]
    private static partial Regex ListenLine();
}
