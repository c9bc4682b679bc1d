using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace AlertHub.Infrastructure.Errors;

/// <summary>Dutch title and detail for a problem that has only the framework's English reason phrase.</summary>
internal static class DutchProblems
{
    private static readonly Dictionary<int, (string Title, string Detail)> Texts = new()
    {
        [400] = ("Ongeldig verzoek", "Het verzoek klopt niet."),
        [401] = ("Niet ingelogd", "Log in (of vraag een nieuw token): deze aanroep vraagt een geldige sessie."),
        [403] = ("Niet toegestaan", "Dit account of deze rol mag dit niet."),
        [404] = ("Niet gevonden", "Dit adres of dit item bestaat niet, of niet voor jou."),
        [405] = ("Methode niet toegestaan", "Dit adres kent deze HTTP-methode niet."),
        [409] = ("Conflict", "Dit botst met de huidige stand."),
        [413] = ("Verzoek te groot", "Het verzoek is groter dan de hub aanneemt."),
        [415] = ("Niet-ondersteund formaat", "Stuur de gegevens als application/json."),
        [429] = ("Te veel verzoeken", "Probeer het over enkele seconden opnieuw."),
        [500] = ("Er ging iets mis", "Onverwachte fout in de hub; niets is half opgeslagen."),
        [503] = ("Niet beschikbaar", "De hub kan dit nu niet aan; probeer het zo opnieuw."),
    };

    public static void Apply(ProblemDetails problem)
    {
        if (problem.Status is not { } status || !Texts.TryGetValue(status, out var text))
        {
            return;
        }
        if (string.IsNullOrEmpty(problem.Title) || problem.Title == ReasonPhrases.GetReasonPhrase(status))
        {
            problem.Title = text.Title;
            problem.Detail ??= text.Detail;
        }
    }
}
