using System.Net;
using Scarlet.Testing;
using Scarlet.Vision.Models;

namespace Scarlet.Vision.Tests;

public sealed class ModelLocatorTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("scarlet-models-").FullName;

    [Fact]
    public void Explicit_folder_is_searched_first()
    {
        var locator = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = TestAssets.ModelsDir, AllowDownload = false });
        Assert.Equal(Path.Combine(TestAssets.ModelsDir, "yolox_nano.onnx"), locator.Resolve(ModelCatalog.YoloxNano));
        Assert.Equal(TestAssets.YuNet, locator.Resolve("yunet-2023mar"));
    }

    [Fact]
    public void Catalog_checksums_match_the_shared_models()
    {
        // The human-* models are converted into the cache, not shared: HumanModelConversionTests checks their hashes.
        foreach (var spec in ModelCatalog.All.Where(s => s.FetchedBy is null))
        {
            var path = TestAssets.Model(spec.FileName);
            Assert.Equal(spec.SizeBytes, new FileInfo(path).Length);
            Assert.Equal(spec.Sha256, ModelLocator.ComputeSha256(path));
        }
    }

    [Fact]
    public void A_converted_model_is_never_downloaded_and_its_error_names_the_script()
    {
        var locator = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = _temp, CacheDirectory = Path.Combine(_temp, "cache") });
        var ex = Assert.Throws<ModelNotFoundException>(() => locator.Resolve(ModelCatalog.HumanFaceresDeep with { FileName = "nowhere.onnx" }));
        Assert.Contains("scripts/models/fetch-human-models.sh", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_temp, "cache")));
    }

    [Fact]
    public void Missing_model_lists_every_place_searched()
    {
        var locator = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = _temp, AllowDownload = false, CacheDirectory = Path.Combine(_temp, "cache") });
        var ex = Assert.Throws<ModelNotFoundException>(() => locator.Resolve(ModelCatalog.MiniFasNetV2 with { FileName = "nowhere.onnx" }));
        foreach (var dir in locator.SearchDirectories())
        {
            Assert.Contains(dir, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Download_keeps_a_file_only_when_its_sha256_matches()
    {
        var spec = ModelCatalog.YuNet2023Mar with { FileName = "downloaded.onnx" };
        var cache = Path.Combine(_temp, "cache");
        // The network is the edge we fake: the handler serves bytes as a server would.
        using var good = new ServeBytes(File.ReadAllBytes(TestAssets.YuNet));
        var locator = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = _temp, CacheDirectory = cache }, downloadHandler: good);
        var path = locator.Resolve(spec);
        Assert.Equal(Path.Combine(cache, "downloaded.onnx"), path);
        Assert.Equal(spec.Sha256, ModelLocator.ComputeSha256(path));
        Assert.Equal(1, good.Requests);

        using var bad = new ServeBytes([1, 2, 3]);
        var other = spec with { FileName = "tampered.onnx" };
        var locator2 = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = _temp, CacheDirectory = cache }, downloadHandler: bad);
        var ex = Assert.Throws<ModelNotFoundException>(() => locator2.Resolve(other));
        Assert.Contains("sha256 mismatch", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cache, "tampered.onnx")));
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private sealed class ServeBytes(byte[] bytes) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });
        }
    }
}
