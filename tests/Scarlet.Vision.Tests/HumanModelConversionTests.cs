using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Testing;

namespace Scarlet.Vision.Tests;

/// <summary>
/// Proof of the TF.js -> ONNX conversion (scripts/models/tfjs2onnx.py): each converted model and the original, run by
/// TensorFlow.js itself (pure-JS CPU backend, scripts/models/tfjs-reference.mjs), give the same outputs on real face
/// crops from shared/data/faces/lfw, within 1e-4 on every output value.
/// </summary>
public sealed class HumanModelConversionTests
{
    private const double Tolerance = 1e-4;

    /// <summary>Each model with the input range human's own code feeds it (grey = BT.601 weights, as human does).</summary>
    public static TheoryData<string, bool, float, float> Models => new()
    {
        { "gear", false, 1f / 255f, 0f },         // RGB 0..1
        { "emotion", true, 2f / 255f, -1f },      // grey -1..1
        { "age", false, 1f, 0f },                 // RGB 0..255
        { "gender", true, 2f / 255f, -1f },       // grey -1..1
        { "faceres", false, 1f, 0f },             // RGB 0..255
        { "faceres-deep", false, 1f, 0f },        // RGB 0..255
        { "antispoof", false, 1f / 255f, 0f },    // RGB 0..1
        { "liveness", false, 1f / 255f, 0f },     // RGB 0..1
    };

    [HumanModelsTheory]
    [MemberData(nameof(Models))]
    public void Converted_model_matches_tensorflow_js_on_real_faces(string id, bool grey, float scale, float offset)
    {
        var (tfjsModel, outputs) = ReadCatalogLine(id);
        using var session = new InferenceSession(HumanModels.Onnx(id));
        var dims = session.InputMetadata["input"].Dimensions; // [N, C, H, W]
        int c = dims[1], h = dims[2], w = dims[3];
        Assert.Equal(grey ? 1 : 3, c);

        // Three real faces (the central part of LFW photos, where the face is), resized to the model's input.
        var files = Directory.GetDirectories(Path.Combine(TestAssets.Lfw, "images")).Order(StringComparer.Ordinal)
            .Where((_, i) => i % 997 == 3).Take(3).Select(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).First()).ToArray();
        Assert.Equal(3, files.Length);
        var n = files.Length;
        var nhwc = new float[n * h * w * c];
        for (var i = 0; i < n; i++)
        {
            using var image = Cv2.ImRead(files[i], ImreadModes.Color);
            using var crop = new Mat(image, new Rect(60, 50, 130, 150));
            using var resized = crop.Resize(new Size(w, h), 0, 0, InterpolationFlags.Area);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var bgr = resized.At<Vec3b>(y, x);
                    var o = ((((i * h) + y) * w) + x) * c;
                    if (grey)
                    {
                        nhwc[o] = (((0.2989f * bgr.Item2) + (0.5870f * bgr.Item1) + (0.1140f * bgr.Item0)) * scale) + offset;
                    }
                    else
                    {
                        nhwc[o] = (bgr.Item2 * scale) + offset;
                        nhwc[o + 1] = (bgr.Item1 * scale) + offset;
                        nhwc[o + 2] = (bgr.Item0 * scale) + offset;
                    }
                }
            }
        }

        var reference = RunTfjs(Path.Combine(HumanModels.TfjsDir, tfjsModel + ".json"), nhwc, [n, h, w, c], outputs.Select(o => o.TfNode));

        var nchw = new float[nhwc.Length];
        for (var i = 0; i < n; i++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    for (var k = 0; k < c; k++)
                    {
                        nchw[(((((i * c) + k) * h) + y) * w) + x] = nhwc[(((((i * h) + y) * w) + x) * c) + k];
                    }
                }
            }
        }

        using var input = OrtValue.CreateTensorValueFromMemory(nchw, [n, c, h, w]);
        using var results = session.Run(new RunOptions(), ["input"], [input], [.. outputs.Select(o => o.Name)]);
        for (var j = 0; j < outputs.Count; j++)
        {
            var actual = results[j].GetTensorDataAsSpan<float>().ToArray();
            var expected = reference[j];
            Assert.Equal(expected.Length, actual.Length);
            var maxDiff = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
            Assert.True(maxDiff < Tolerance, $"{id}/{outputs[j].Name}: max |onnx - tfjs| = {maxDiff:E2} (limit {Tolerance:E0})");
            Assert.Contains(expected, v => v != 0f); // a real output, not an all-zero tensor on both sides
        }
    }

    [HumanModelsFact]
    public void Converted_files_are_the_recorded_ones()
    {
        // fetch-human-models.sh checks the same hashes; this keeps a hand-edited cache from passing unnoticed.
        var recorded = File.ReadAllLines(Path.Combine(TestAssets.RepoRoot, "scripts", "models", "human-models.sha256"))
            .Select(l => l.Split("  ", 2)).ToArray();
        Assert.Equal(8, recorded.Length);
        foreach (var parts in recorded)
        {
            Assert.Equal(parts[0], Scarlet.Vision.Models.ModelLocator.ComputeSha256(Path.Combine(HumanModels.CacheDir, parts[1])));
        }

        // ModelCatalog's entries for the converted models carry the same hashes and sizes, and resolve from the cache.
        var locator = new Scarlet.Vision.Models.ModelLocator(new Scarlet.Vision.Models.ModelLocatorOptions { CacheDirectory = HumanModels.CacheDir, AllowDownload = false });
        foreach (var spec in Scarlet.Vision.Models.ModelCatalog.All.Where(s => s.FetchedBy is not null))
        {
            Assert.Contains(recorded, r => r[0] == spec.Sha256 && r[1] == spec.FileName);
            Assert.Equal(spec.SizeBytes, new FileInfo(locator.Resolve(spec)).Length);
        }
    }

    private static (string TfjsModel, List<(string TfNode, string Name)> Outputs) ReadCatalogLine(string id)
    {
        foreach (var line in File.ReadLines(Path.Combine(TestAssets.RepoRoot, "scripts", "models", "human-models.txt")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[0] == id)
            {
                return (parts[1], [.. parts[2].Split(',').Select(p => p.Split('=')).Select(p => (p[0], p[1]))]);
            }
        }

        throw new InvalidOperationException($"{id} is not in scripts/models/human-models.txt");
    }

    private static List<float[]> RunTfjs(string modelJson, float[] nhwc, int[] shape, IEnumerable<string> nodes)
    {
        var dir = Directory.CreateTempSubdirectory("scarlet-tfjs-");
        try
        {
            var inputPath = Path.Combine(dir.FullName, "input.f32");
            var outPath = Path.Combine(dir.FullName, "out.json");
            File.WriteAllBytes(inputPath, System.Runtime.InteropServices.MemoryMarshal.AsBytes(nhwc.AsSpan()).ToArray());
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                Path.Combine(TestAssets.RepoRoot, "scripts", "models", "tfjs-reference.mjs"), modelJson, inputPath,
                string.Join(',', shape), outPath, string.Join(',', nodes),
            })
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "tfjs-reference.mjs did not finish in 3 minutes");
            Assert.True(p.ExitCode == 0, $"tfjs-reference.mjs failed: {stdout.Result}{stderr.Result}");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(outPath));
            return [.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray())];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
