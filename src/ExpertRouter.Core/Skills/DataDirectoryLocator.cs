namespace ExpertRouter.Core.Skills;

/// <summary>
/// Finds a data folder shipped with the repository (<c>skills</c>, <c>prompts</c>) by walking up from
/// the application's base directory and then from the current directory.
/// </summary>
internal static class DataDirectoryLocator
{
    public static string? Find(string folderName, string searchPattern)
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, folderName);
                if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, searchPattern).Any())
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
