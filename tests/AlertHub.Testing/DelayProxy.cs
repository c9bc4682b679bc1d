using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace AlertHub.Testing;

/// <summary>
/// A TCP proxy on a free loopback port in front of a real server (Redis, PostgreSQL, a hub) that makes the network
/// slow or broken on demand: every chunk read from either side is written to the other side <see cref="Latency"/>
/// after it arrived, in the order it arrived, and <see cref="CutAsync"/> drops every open connection as a broken
/// network would. Dispose stops listening, closes every socket and waits until all of the proxy's tasks have ended.
/// </summary>
public sealed class DelayProxy : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Link, Task> _links = new();
    private readonly Task _accepting;
    private long _latencyTicks;
    private int _disposed;

    private DelayProxy(string targetHost, int targetPort, TimeSpan latency)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        Latency = latency;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The port the proxy listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What each chunk waits before it is passed on, per direction; can change at any time (applies to chunks read after).</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _latencyTicks, value.Ticks);
        }
    }

    /// <summary>Client connections currently relayed.</summary>
    public int Connections => _links.Count;

    /// <summary>Starts a proxy to <paramref name="targetHost"/>:<paramref name="targetPort"/> (a loopback server).</summary>
    public static DelayProxy Start(string targetHost, int targetPort, TimeSpan? latency = null) =>
        new(targetHost, targetPort, latency ?? TimeSpan.Zero);

    /// <summary>Drops every open connection at once (both sides see a reset); new connections are accepted as before.</summary>
    public async Task CutAsync()
    {
        var open = _links.ToArray();
        foreach (var (link, _) in open)
        {
            link.Abort();
        }
        await Task.WhenAll(open.Select(l => l.Value));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        // The accept loop has ended, so no link is added from here on.
        await CutAsync();
        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopping
            }
            var link = new Link(client, this);
            // Registered before it runs, so a cut or dispose that comes right after still finds it.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _links[link] = RunLinkAsync(link, started.Task);
            started.SetResult();
        }
    }

    private async Task RunLinkAsync(Link link, Task registered)
    {
        await registered;
        try
        {
            await link.RunAsync(_targetHost, _targetPort, _stopping.Token);
        }
        finally
        {
            link.Close(reset: false);
            _links.TryRemove(link, out _);
        }
    }

    /// <summary>One client connection and its connection to the target, with a pump per direction.</summary>
    private sealed class Link(Socket client, DelayProxy proxy)
    {
        private readonly Socket _target = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly CancellationTokenSource _aborted = new();
        private int _closed;

        public async Task RunAsync(string host, int port, CancellationToken stopping)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _aborted.Token);
            var ct = linked.Token;
            try
            {
                client.NoDelay = true;
                using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    connecting.CancelAfter(TimeSpan.FromSeconds(5));
                    await _target.ConnectAsync(host, port, connecting.Token);
                }
                // When one direction fails (a reset, a cut), the other has nothing left to do either.
                var up = PumpAsync(client, _target, ct);
                var down = PumpAsync(_target, client, ct);
                var first = await Task.WhenAny(up, down);
                if (first.IsFaulted || first.IsCanceled)
                {
                    Abort();
                }
                await Task.WhenAll(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
                // cut, disposed, or the peer reset the connection: the finally of RunLinkAsync closes both sides
            }
        }

        /// <summary>Closes both sockets with a reset, as a broken network does; the pumps end on it.</summary>
        public void Abort() => Close(reset: true);

        public void Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }
            _aborted.Cancel();
            foreach (var socket in new[] { client, _target })
            {
                if (reset)
                {
                    try
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        // not connected (yet): nothing to reset
                    }
                }
                socket.Dispose();
            }
        }

        /// <summary>
        /// Reads chunks from <paramref name="from"/> and writes each to <paramref name="to"/> once it is due, in order;
        /// an end of stream is passed on the same way (after the chunks before it) as a half close.
        /// </summary>
        private async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
        {
            var chunks = Channel.CreateBounded<(long Due, byte[]? Data)>(
                new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
            var writing = WriteAsync(chunks.Reader, to, ct);
            try
            {
                var buffer = new byte[ChunkSize];
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
                    var due = Stopwatch.GetTimestamp() + (long)(proxy.Latency.TotalSeconds * Stopwatch.Frequency);
                    if (read == 0)
                    {
                        await chunks.Writer.WriteAsync((due, null), ct);
                        break;
                    }
                    await chunks.Writer.WriteAsync((due, buffer.AsSpan(0, read).ToArray()), ct);
                }
            }
            finally
            {
                chunks.Writer.TryComplete();
                await writing;
            }
        }

        private static async Task WriteAsync(ChannelReader<(long Due, byte[]? Data)> chunks, Socket to, CancellationToken ct)
        {
            await foreach (var (due, data) in chunks.ReadAllAsync(ct))
            {
                // Never early: Task.Delay may wake a little before its time.
                for (var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due); wait > TimeSpan.Zero;
                     wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due))
                {
                    await Task.Delay(wait, ct);
                }
                if (data is null)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                for (var sent = 0; sent < data.Length;)
                {
                    sent += await to.SendAsync(data.AsMemory(sent), SocketFlags.None, ct);
                }
            }
        }
    }
}
