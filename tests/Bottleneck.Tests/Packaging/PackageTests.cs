using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Packaging;

/// <summary>
/// What a user gets from NuGet: the packages <c>dotnet pack</c> makes carry what they promise (XML docs, README, licence, the
/// commit, symbols), the tool installs from a folder into a fresh tool path and runs, and a project that references the library
/// package builds and runs the README's C# quick start. About a minute in all (packing once, a tool install, a restore and a
/// build of the sample, one MNIST epoch), most of it the sample's build.
/// </summary>
[Collection(nameof(PackageFeedCollection))]
public class PackageTests(PackageFeed feed)
{
    private static readonly XNamespace Nuspec2013 = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";

    private string Package(string id, string extension = "nupkg") => Path.Combine(feed.Feed, $"{id}.{PackageFeed.Version}.{extension}");

    private static XElement Metadata(string nupkg, string id)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var stream = zip.GetEntry($"{id}.nuspec")!.Open();
        var doc = XDocument.Load(stream);
        return doc.Root!.Elements().First(e => e.Name.LocalName == "metadata");
    }

    private static string? Value(XElement metadata, string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    [SkippableFact]
    public void TheLibraryPackagesCarryDocsReadmeLicenceCommitAndSymbols()
    {
        Skip.If(feed.RepositoryRoot is null, feed.Problem);
        Assert.True(feed.Problem is null, feed.Problem);
        foreach (var id in new[] { "Bottleneck", "Bottleneck.MLNet" })
        {
            Assert.True(File.Exists(Package(id, "snupkg")), $"no symbols package for {id} in {feed.Feed}");
            using (var zip = ZipFile.OpenRead(Package(id)))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains($"lib/net10.0/{id}.dll", names);
                Assert.Contains($"lib/net10.0/{id}.xml", names);    // XML docs: IntelliSense for every public member
                Assert.Contains("README.md", names);
            }
            using (var zip = ZipFile.OpenRead(Package(id, "snupkg")))
                Assert.Contains($"lib/net10.0/{id}.pdb", zip.Entries.Select(e => e.FullName));
            var m = Metadata(Package(id), id);
            Assert.Equal(PackageFeed.Version, Value(m, "version"));
            Assert.Equal("README.md", Value(m, "readme"));
            Assert.False(string.IsNullOrWhiteSpace(Value(m, "license")), $"{id}: no licence in the nuspec");
            Assert.False(string.IsNullOrWhiteSpace(Value(m, "description")) || Value(m, "description") == "Package Description", $"{id}: no description");
            // SourceLink-ready: the commit the package was built from (the URL too when the clone has an "origin" remote).
            var repository = m.Elements().First(e => e.Name.LocalName == "repository");
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
        }
        // The ML.NET package depends on the library package of the same version and on Microsoft.ML.
        var deps = Metadata(Package("Bottleneck.MLNet"), "Bottleneck.MLNet").Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
        Assert.Equal(PackageFeed.Version, deps["Bottleneck"]);
        Assert.Equal("5.0.1", deps["Microsoft.ML"]);
    }

    [SkippableFact]
    public void TheToolInstallsFromTheFolderIntoAFreshToolPathAndTrains()
    {
        Skip.If(feed.RepositoryRoot is null, feed.Problem);
        Assert.True(feed.Problem is null, feed.Problem);
        var m = Metadata(Package("Bottleneck.Cli"), "Bottleneck.Cli");
        Assert.Equal("DotnetTool", m.Descendants().First(e => e.Name.LocalName == "packageType").Attribute("name")!.Value);

        string toolPath = Path.Combine(feed.Root, "tools-" + Guid.NewGuid().ToString("N")[..8]);
        var install = feed.Run(feed.Root, "dotnet", "tool", "install", "--tool-path", toolPath, "--configfile", Path.Combine(feed.Root, "NuGet.config"),
            "--version", PackageFeed.Version, "Bottleneck.Cli");
        Assert.True(install.Exit == 0, install.Out + install.Err);
        string bottleneck = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "bottleneck.exe" : "bottleneck");
        Assert.True(File.Exists(bottleneck), $"no {bottleneck} after the install: {install.Out}");

        var version = feed.Run(feed.Root, bottleneck, "--version");
        Assert.True(version.Exit == 0, version.Err);
        // The informational version: the package version, then '+' and the commit.
        Assert.Matches($"^{Regex.Escape(PackageFeed.Version)}(\\+[0-9a-f]+)?$", version.Out.Trim());

        // One epoch on the embedded demo data (always present), as a user's first command would be.
        string model = Path.Combine(feed.Root, "model-" + Guid.NewGuid().ToString("N")[..8]);
        var train = feed.Run(feed.Root, bottleneck, "train", "--epochs", "1", "--out", model);
        Assert.True(train.Exit == 0, train.Out + train.Err);
        Assert.Contains("epoch 1/1", train.Out);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors")) && File.Exists(Path.Combine(model, "config.json")), train.Out);

        // A user mistake through the installed tool: one error line, exit code 2.
        var bad = feed.Run(feed.Root, bottleneck, "train", "--epochs", "0", "--out", model);
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: ", bad.Err);
    }

    /// <summary>The first ```csharp block under the heading <paramref name="heading"/> of a Markdown file, as written.</summary>
    internal static string CodeBlock(string markdown, string heading)
    {
        var lines = File.ReadAllLines(markdown);
        int at = Array.FindIndex(lines, l => l.TrimEnd() == heading);
        Assert.True(at >= 0, $"{Path.GetFileName(markdown)} has no '{heading}' section");
        int open = Array.FindIndex(lines, at, l => l.StartsWith("```csharp", StringComparison.Ordinal));
        int close = open < 0 ? -1 : Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        Assert.True(open > at && close > open, $"{Path.GetFileName(markdown)}'s '{heading}' section has no ```csharp block");
        return string.Join('\n', lines[(open + 1)..close]) + "\n";
    }

    /// <summary>A new project folder that references <paramref name="package"/> from the feed, with <paramref name="code"/> as Program.cs.</summary>
    private string SampleProject(string package, string code)
    {
        string sample = Path.Combine(feed.Root, "sample-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(sample);
        File.WriteAllText(Path.Combine(sample, "Sample.csproj"),
            $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{PackageFeed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(sample, "Program.cs"), code);
        // The NuGet.config in feed.Root (a parent folder) is the only package source: the folder feed and the global packages folder.
        var build = feed.Run(sample, "dotnet", "build", "-c", "Release", "-nologo", "-v", "q", "-p:UseSharedCompilation=false");
        Assert.True(build.Exit == 0, build.Out + build.Err);
        return sample;
    }

    [SkippableFact]
    public void ASampleProjectReferencingThePackageRunsTheReadmeQuickStart()
    {
        Skip.If(feed.RepositoryRoot is null, feed.Problem);
        Assert.True(feed.Problem is null, feed.Problem);
        // The code is the README's; only the data path becomes absolute (the sample does not sit beside ../shared) and 10 epochs
        // become 1 to keep the test short.
        string code = CodeBlock(Path.Combine(feed.RepositoryRoot!, "README.md"), "## Quick start in C#");
        Assert.Contains("\"../shared/data/mnist\"", code);
        Assert.Contains("epochs: 10", code);
        string? mnist = SharedData.Find("mnist");
        code = code.Replace("\"../shared/data/mnist\"", "@\"" + (mnist ?? Path.Combine(feed.RepositoryRoot!, "..", "shared", "data", "mnist")) + "\"")
                   .Replace("epochs: 10", "epochs: 1");
        string sample = SampleProject("Bottleneck", code);

        Skip.If(mnist is null, "the sample built against the package; running it needs ../shared/data/mnist, which is absent");
        var run = feed.Run(sample, "dotnet", Path.Combine(sample, "bin", "Release", "net10.0", "Sample.dll"));
        Assert.True(run.Exit == 0, run.Out + run.Err);
        var match = Regex.Match(run.Out, @"squared error per image (\d+\.\d+), PSNR (\d+\.\d+) dB");
        Assert.True(match.Success, run.Out);
        Assert.InRange(double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 10, 60);
        Assert.True(File.Exists(Path.Combine(sample, "runs", "mnist", "model.safetensors")), "the quick start's ModelStore.Save wrote nothing");
    }

    [SkippableFact]
    public void ASampleProjectReferencingTheMLNetPackageRunsTheInteropExample()
    {
        Skip.If(feed.RepositoryRoot is null, feed.Problem);
        Assert.True(feed.Problem is null, feed.Problem);
        // docs/interop.md's ML.NET example as written, the data path made absolute; Bottleneck and Microsoft.ML come in as dependencies.
        string code = CodeBlock(Path.Combine(feed.RepositoryRoot!, "docs", "interop.md"), "## ML.NET");
        Assert.Contains("\"../shared/data/odds/cardio.csv\"", code);
        string? cardio = SharedData.Find("odds/cardio.csv");
        code = code.Replace("\"../shared/data/odds/cardio.csv\"", "@\"" + (cardio ?? Path.Combine(feed.RepositoryRoot!, "..", "shared", "data", "odds", "cardio.csv")) + "\"");
        string sample = SampleProject("Bottleneck.MLNet", code);

        Skip.If(cardio is null, "the ML.NET sample built against the package; running it needs ../shared/data/odds/cardio.csv, which is absent");
        var run = feed.Run(sample, "dotnet", Path.Combine(sample, "bin", "Release", "net10.0", "Sample.dll"));
        Assert.True(run.Exit == 0, run.Out + run.Err);
        var match = Regex.Match(run.Out, @"ROC-AUC (\d\.\d+), threshold");
        Assert.True(match.Success, run.Out);
        Assert.InRange(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0.9, 1.0);
        Assert.True(new FileInfo(Path.Combine(sample, "cardio-pipeline.zip")).Length > 0, "SaveWithBottleneck wrote nothing");
    }
}

/// <summary>Packs once for every test that needs the packages.</summary>
[CollectionDefinition(nameof(PackageFeedCollection))]
public class PackageFeedCollection : ICollectionFixture<PackageFeed>;
