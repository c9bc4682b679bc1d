namespace AlertHub.Testing;

/// <summary>The checkout the tests run from: the folder above the test assembly that holds AlertHub.sln.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Found = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "AlertHub.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("AlertHub.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Path => Found.Value;
}
