using System;
using System.IO;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>Where the repository is: found from the test binaries, never from source paths (CI maps those to /_/).</summary>
public static class RepoPaths
{
    /// <summary>The folder holding TypedMail.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TypedMail.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("TypedMail.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
