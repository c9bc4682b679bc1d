using Microsoft.AspNetCore.Identity;

namespace AlertHub.Accounts;

/// <summary>The sign-in account of a <see cref="People.Person"/>; its Id is the person's id.</summary>
internal sealed class AppUser : IdentityUser;
