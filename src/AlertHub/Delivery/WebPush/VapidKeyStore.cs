using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// The VAPID key pair this deployment signs with: <c>Push:PublicKey</c>/<c>PrivateKey</c> when set, else the pair in
/// the database. The first node that needs one and finds none inserts a new pair under a fixed id; a node that
/// loses that race (unique key) reads the winner's, so every node signs with the same key and a browser's
/// subscription (made with that public key) keeps working whichever node sends.
/// </summary>
internal sealed class VapidKeyStore(IServiceScopeFactory scopes, IOptions<PushOptions> options, TimeProvider time, ILogger<VapidKeyStore> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string PublicKey, string PrivateKey)? _keys;

    public async Task<(string PublicKey, string PrivateKey)> GetAsync(CancellationToken ct)
    {
        if (_keys is { } known)
        {
            return known;
        }
        await _gate.WaitAsync(ct);
        try
        {
            _keys ??= options.Value.HasConfiguredKeys ? (options.Value.PublicKey, options.Value.PrivateKey) : await LoadOrCreateAsync(ct);
            return _keys.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(string, string)> LoadOrCreateAsync(CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            var stored = await db.VapidKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == VapidKey.SingleId, ct);
            if (stored is not null)
            {
                return (stored.PublicKey, stored.PrivateKey);
            }
            var (publicKey, privateKey) = VapidKeyPair.Generate();
            db.VapidKeys.Add(new VapidKey { PublicKey = publicKey, PrivateKey = privateKey, CreatedAt = time.Now() });
            try
            {
                await db.SaveChangesAsync(ct);
                logger.LogInformation("Generated the VAPID key pair for Web Push and stored it in the database");
                return (publicKey, privateKey);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt < 3)
            {
                // Another node stored its pair first: read and use that one.
            }
        }
    }
}
