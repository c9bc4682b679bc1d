using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AlertHub.Cli.Bench;

/// <summary>
/// One partner device for the benchmark: a bare <see cref="ClientWebSocket"/> speaking the SignalR JSON protocol
/// by hand (handshake, pings, <c>AlertRaised</c> in, <c>ConfirmReceipt</c> out). A full HubConnection per device
/// would cost the load generator more CPU than the hub under test on a 2-core machine, and we would measure ourselves.
/// </summary>
internal sealed class LightPartner(Uri hubUrl, string? accessToken, LightPartner.AlertHandler onAlert) : IAsyncDisposable
{
    /// <summary>Called for every AlertRaised with the alert's bench number (from its note) and the receive timestamp.</summary>
    public delegate void AlertHandler(int benchNumber, long receivedTimestamp);

    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
    private static ReadOnlySpan<byte> BenchPrefix => "bench:"u8;

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = new byte[8 * 1024];
    private int _filled;
    private Task? _receiving;

    /// <summary>Messages this device could not understand or sends that failed; should stay 0.</summary>
    public int Errors { get; private set; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>Connects, completes the SignalR handshake and starts receiving.</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        var url = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" };
        if (accessToken is not null)
        {
            url.Query = "access_token=" + Uri.EscapeDataString(accessToken);
        }
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await _socket.ConnectAsync(url.Uri, ct);
        await SendAsync(Handshake, ct);
        var reply = await ReceiveRecordAsync(ct);
        if (reply.Length < 2 || reply[0] != (byte)'{' || reply.AsSpan().IndexOf("error"u8) >= 0)
        {
            throw new InvalidOperationException("SignalR handshake refused: " + Encoding.UTF8.GetString(reply));
        }
        _receiving = Task.Run(() => ReceiveLoopAsync(CancellationToken.None), CancellationToken.None);
    }

    /// <summary>Keeps the connection alive: the hub closes a client that is silent for 30 s.</summary>
    public Task PingAsync(CancellationToken ct) => IsOpen ? SendAsync(Ping, ct) : Task.CompletedTask;

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                if (_filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                var result = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), ct);
                var received = System.Diagnostics.Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                _filled += result.Count;
                var start = 0;
                int end;
                while ((end = Array.IndexOf(_buffer, RecordSeparator, start, _filled - start)) >= 0)
                {
                    await HandleAsync(_buffer.AsMemory(start, end - start), received);
                    start = end + 1;
                }
                if (start > 0)
                {
                    Buffer.BlockCopy(_buffer, start, _buffer, 0, _filled - start);
                    _filled -= start;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed under us (end of run or server gone); losses show up in the counts.
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> record, long received)
    {
        if (!TryReadAlertRaised(record.Span, out var alertId, out var number))
        {
            return;
        }
        onAlert(number, received);
        // No invocationId: a fire-and-forget invocation, as a device that does not wait for the answer.
        var confirm = Encoding.UTF8.GetBytes($"{{\"type\":1,\"target\":\"ConfirmReceipt\",\"arguments\":[\"{alertId}\"]}}\u001e");
        try
        {
            await SendAsync(confirm, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            Errors++;
        }
    }

    /// <summary>Pulls target, alert id and the bench number out of an invocation without materialising the alert.</summary>
    internal static bool TryReadAlertRaised(ReadOnlySpan<byte> record, out Guid alertId, out int number)
    {
        alertId = Guid.Empty;
        number = -1;
        if (record.IndexOf("\"AlertRaised\""u8) < 0)
        {
            return false;
        }
        var reader = new Utf8JsonReader(record);
        var isAlertRaised = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("target"u8))
            {
                reader.Read();
                isAlertRaised = reader.ValueTextEquals("AlertRaised"u8);
            }
            else if (reader.CurrentDepth == 3 && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                alertId = reader.GetGuid();
            }
            else if (reader.CurrentDepth == 3 && reader.ValueTextEquals("note"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    var note = reader.ValueSpan;
                    if (note.StartsWith(BenchPrefix) && System.Buffers.Text.Utf8Parser.TryParse(note[BenchPrefix.Length..], out int n, out _))
                    {
                        number = n;
                    }
                }
            }
            // id and note come before the recipients list; the rest of a large alert need not be read.
            if (isAlertRaised && alertId != Guid.Empty && number >= 0)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<byte[]> ReceiveRecordAsync(CancellationToken ct)
    {
        var buffer = new byte[1024];
        var filled = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("The hub closed the connection during the handshake.");
            }
            filled += result.Count;
            var end = Array.IndexOf(buffer, RecordSeparator, 0, filled);
            if (end >= 0)
            {
                // Anything after the handshake reply belongs to the receive loop.
                Buffer.BlockCopy(buffer, end + 1, _buffer, 0, filled - end - 1);
                _filled = filled - end - 1;
                return buffer[..end];
            }
            if (filled == buffer.Length)
            {
                throw new InvalidOperationException("Handshake reply too long.");
            }
        }
    }

    private async Task SendAsync(byte[] message, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Closing is best effort; the socket is aborted below either way.
        }
        _socket.Abort();
        if (_receiving is not null)
        {
            await _receiving;
        }
        _socket.Dispose();
    }
}
