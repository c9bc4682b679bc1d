using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AlertHub.Testing;

namespace AlertHub.Tests.Infrastructure;

/// <summary>The test network's delay proxy itself: an echo server behind it, bounds generous enough for a busy machine.</summary>
public sealed class DelayProxyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Echo_ThroughTheProxy_ComesBackWhole_AndInOrder()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = DelayProxy.Start("127.0.0.1", echo.Port, TimeSpan.FromMilliseconds(50));
        using var client = await ConnectAsync(proxy.Port);

        // Many small writes back to back: each becomes its own delayed chunk, and the order must survive.
        var sent = new List<byte>();
        for (var i = 0; i < 200; i++)
        {
            var message = System.Text.Encoding.ASCII.GetBytes($"{i:D4};");
            sent.AddRange(message);
            await client.SendAsync(message, SocketFlags.None);
        }
        Assert.Equal(sent.ToArray(), await ReceiveAsync(client, sent.Count));
    }

    [Fact]
    public async Task Latency_DelaysEachDirection_AndCanBeRemovedAtRunTime()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = DelayProxy.Start("127.0.0.1", echo.Port);
        using var client = await ConnectAsync(proxy.Port);

        var fast = await RoundTripAsync(client);
        proxy.Latency = TimeSpan.FromSeconds(1);
        var slow = await RoundTripAsync(client);
        proxy.Latency = TimeSpan.Zero;
        var fastAgain = await RoundTripAsync(client);

        // One second on the way there and one on the way back; the bounds only tell delayed from not delayed.
        Assert.InRange(slow, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(8));
        Assert.True(fast < TimeSpan.FromSeconds(1), $"without latency a round trip took {fast}");
        Assert.True(fastAgain < TimeSpan.FromSeconds(1), $"after removing the latency a round trip took {fastAgain}");
    }

    [Fact]
    public async Task Cut_DropsOpenConnections_AndNewOnesWork()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = DelayProxy.Start("127.0.0.1", echo.Port);
        using var before = await ConnectAsync(proxy.Port);
        await RoundTripAsync(before);
        Assert.Equal(1, proxy.Connections);

        await proxy.CutAsync();

        Assert.Equal(0, proxy.Connections);
        await AssertClosedAsync(before);
        await Eventually.TrueAsync(() => echo.Connections == 0, "the echo server saw its side closed", Patience);
        using var after = await ConnectAsync(proxy.Port);
        await RoundTripAsync(after);
    }

    [Fact]
    public async Task Dispose_ClosesEverySocket_AndStopsListening()
    {
        await using var echo = EchoServer.Start();
        var proxy = DelayProxy.Start("127.0.0.1", echo.Port, TimeSpan.FromMilliseconds(200));
        var port = proxy.Port;
        using var client = await ConnectAsync(port);
        await RoundTripAsync(client);
        // A chunk still waiting inside the proxy must not keep it alive.
        await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);

        var disposing = proxy.DisposeAsync().AsTask();
        Assert.Same(disposing, await Task.WhenAny(disposing, Task.Delay(Patience)));
        await disposing;

        Assert.Equal(0, proxy.Connections);
        await AssertClosedAsync(client);
        await Eventually.TrueAsync(() => echo.Connections == 0, "the echo server saw its side closed", Patience);
        using var refused = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(IPAddress.Loopback, port));
        await proxy.DisposeAsync(); // twice is harmless
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task<TimeSpan> RoundTripAsync(Socket client)
    {
        var started = Stopwatch.GetTimestamp();
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        Assert.Equal("ping"u8.ToArray(), await ReceiveAsync(client, 4));
        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<byte[]> ReceiveAsync(Socket client, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[count];
        for (var received = 0; received < count;)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout.Token);
            Assert.True(read > 0, $"the connection closed after {received} of {count} bytes");
            received += read;
        }
        return buffer;
    }

    /// <summary>A closed connection reads as end of stream or a reset, not as silence.</summary>
    private static async Task AssertClosedAsync(Socket client)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64];
        try
        {
            // Echoes already on their way may still arrive before the end; bounded by the buffer and the timeout.
            for (var reads = 0; reads < 100; reads++)
            {
                if (await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return;
                }
            }
            Assert.Fail("the connection stayed open");
        }
        catch (SocketException)
        {
            // reset: closed as well
        }
    }

    /// <summary>Sends back whatever it reads, per connection, until the other side closes.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stopping = new();
        private readonly List<Task> _tasks = [];
        private int _connections;

        private EchoServer()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            lock (_tasks)
            {
                _tasks.Add(AcceptAsync());
            }
        }

        public int Port { get; }

        public int Connections => Volatile.Read(ref _connections);

        public static EchoServer Start() => new();

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            _listener.Stop();
            Task[] tasks;
            lock (_tasks)
            {
                tasks = [.. _tasks];
            }
            await Task.WhenAll(tasks);
            _stopping.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stopping.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _connections);
                lock (_tasks)
                {
                    _tasks.Add(EchoAsync(socket));
                }
            }
        }

        private async Task EchoAsync(Socket socket)
        {
            using (socket)
            {
                try
                {
                    var buffer = new byte[4096];
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token)) > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                    // stopping, or the proxy reset the connection
                }
                finally
                {
                    Interlocked.Decrement(ref _connections);
                }
            }
        }
    }
}
