namespace AlertHub.Evaluations;

/// <summary>
/// The three questions of the 48-hour evaluation, worded once: the close check, the export and the web app
/// (<c>wwwroot/i18n/nl.json</c> keys <c>eval.wentWell</c>, <c>eval.wentWrong</c>, <c>eval.cooperation</c>, held equal by a test).
/// </summary>
internal static class EvaluationQuestions
{
    public const string WentWell = "Wat ging er goed?";
    public const string WentWrong = "Wat ging er niet goed?";
    public const string Cooperation = "Hoe verliep de samenwerking?";

    public static string NotAnswered(string question) => $"{question} is nog niet ingevuld.";
}
