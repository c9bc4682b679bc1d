using System.Text.Json;
using AlertHub.Evaluations;

namespace AlertHub.Tests.Evaluations;

/// <summary>Issue 14: the web app and the server word the evaluation's questions the same way.</summary>
public sealed class EvaluationWordingTests
{
    [Fact]
    public void TheWebAppsQuestions_AreTheServersQuestions()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AlertHub.sln")))
        {
            directory = directory.Parent;
        }
        var texts = JsonSerializer.Deserialize<Dictionary<string, string>>(
            File.ReadAllText(Path.Combine(directory!.FullName, "src", "AlertHub", "wwwroot", "i18n", "nl.json")))!;
        Assert.Equal(EvaluationQuestions.WentWell, texts["eval.wentWell"]);
        Assert.Equal(EvaluationQuestions.WentWrong, texts["eval.wentWrong"]);
        Assert.Equal(EvaluationQuestions.Cooperation, texts["eval.cooperation"]);
    }
}
