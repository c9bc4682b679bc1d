using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Security;

/// <summary>The keys that sign tokens and device cookies are encrypted at rest with DataProtection:CertificatePath.</summary>
public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task WithACertificate_TheStoredKeysAreEncrypted_AndSignInStillWorks()
    {
        var directory = Directory.CreateTempSubdirectory("alerthub-dpcert-").FullName;
        try
        {
            var path = Path.Combine(directory, "keys.pfx");
            using (var rsa = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=AlertHub data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "geheim-wachtwoord"));
            }
            await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?>
            {
                ["DataProtection:CertificatePath"] = path, ["DataProtection:CertificatePassword"] = "geheim-wachtwoord",
            });
            var police = await host.LoginAsync(TestHost.Police);
            Assert.NotNull(await police.GetMeAsync());

            var keys = await host.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            });
        }
        finally
        {
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task ACertificateThatDoesNotLoad_StopsTheStart_NamingTheSetting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["DataProtection:CertificatePath"] = "/nonexistent/keys.pfx",
        }));
        Assert.Contains("DataProtection:CertificatePath", error.ToString(), StringComparison.Ordinal);
    }
}
