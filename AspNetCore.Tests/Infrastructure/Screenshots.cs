using System;
using System.Buffers.Binary;
using System.IO;

namespace TypedMail.AspNetCore.Tests.Infrastructure;

/// <summary>Where the tests save screenshots (<c>artifacts/screenshots</c> in the repository), and a PNG header check.</summary>
public static class Screenshots
{
    public static string PathFor(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TypedMail.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("TypedMail.sln not found above " + AppContext.BaseDirectory), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    /// <summary>Reads a PNG file's signature and IHDR chunk; fails if it is not a PNG.</summary>
    public static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.Length > 24 && bytes.AsSpan(0, 8).SequenceEqual(signature) && bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8), $"{path} is not a PNG file");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
