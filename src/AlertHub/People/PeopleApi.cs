namespace AlertHub.People;

internal static class PeopleApi
{
    public static IEndpointRouteBuilder MapPeople(this IEndpointRouteBuilder app) => app;
}
