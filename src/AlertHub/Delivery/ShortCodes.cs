using System.Security.Cryptography;

namespace AlertHub.Delivery;

internal static class ShortCodes
{
    // No 0/O, 1/I/L: the code is read off a phone screen.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 6);
}
