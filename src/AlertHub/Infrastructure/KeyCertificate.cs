using System.Security.Cryptography.X509Certificates;

namespace AlertHub.Infrastructure;

/// <summary>
/// The certificate that encrypts the Data Protection keys at rest (they sign every access token and device
/// cookie): <c>DataProtection:CertificatePath</c> (a PFX with its private key) and
/// <c>DataProtection:CertificatePassword</c>. Every node needs the same certificate. A path that does not load
/// stops the start-up, naming the setting.
/// </summary>
internal static class KeyCertificate
{
    public static X509Certificate2? Load(IConfiguration configuration)
    {
        var path = configuration["DataProtection:CertificatePath"];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration["DataProtection:CertificatePassword"],
                X509KeyStorageFlags.EphemeralKeySet);
            return certificate.HasPrivateKey
                ? certificate
                : throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' has no private key: use a PFX with its key.");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' could not be loaded ({e.Message}); check the file and DataProtection:CertificatePassword.", e);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' could not be read ({e.Message}).", e);
        }
    }

    /// <summary>One line at start-up outside Development when the keys are stored as they are.</summary>
    internal sealed class Warning(IHostEnvironment environment, ILogger<Warning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
            {
                logger.LogWarning("DataProtection:CertificatePath is not set: the keys that sign access tokens and device cookies are "
                    + "stored unencrypted in the database (table DataProtectionKeys). Set it to a PFX shared by all nodes.");
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
