namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// Finds the real dumps in shared/fixtures/dumps: $KDUMPD_FIXTURES (the fixtures folder or its
/// dumps/ subfolder), else the first ancestor of the test binary holding shared/fixtures. They
/// are 18-26 MB each and never copied into the repository.
/// </summary>
internal static class DumpFixtures
{
    private static readonly Lazy<string?> _root = new(Find);

    public static string Dir(string variant)
    {
        var root = _root.Value;
        if (root is null)
        {
            Assert.Skip("real dump fixtures not found: set KDUMPD_FIXTURES or clone shared/ beside the repository");
        }

        return Path.Join(root, variant);
    }

    public static string File(string variant, string name) => Path.Join(Dir(variant), name);

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("KDUMPD_FIXTURES");
        if (!string.IsNullOrEmpty(env))
        {
            foreach (var candidate in new[] { Path.Join(env, "dumps"), env })
            {
                if (Directory.Exists(Path.Join(candidate, "qemu-6.1-sysrq")))
                {
                    return candidate;
                }
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Join(dir.FullName, "shared", "fixtures", "dumps");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
