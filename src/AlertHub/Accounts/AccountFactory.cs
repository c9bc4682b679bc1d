using AlertHub.People;
using Microsoft.AspNetCore.Identity;

namespace AlertHub.Accounts;

internal static class AccountFactory
{
    /// <summary>Creates the sign-in account of a person (same id) with the person's role.</summary>
    public static async Task CreateAsync(UserManager<AppUser> users, Person person, string password)
    {
        var user = new AppUser { Id = person.Id.ToString(), UserName = person.Email, Email = person.Email, EmailConfirmed = true };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, person.Role.ToString()));
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
