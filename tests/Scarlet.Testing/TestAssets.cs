namespace Scarlet.Testing;

/// <summary>
/// The one catalog of test assets: models and data in <c>../shared</c> beside the repository (or <c>SCARLET_SHARED</c>).
/// A missing file fails with a message naming where it looked.
/// </summary>
public static class TestAssets
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);
    private static readonly Lazy<string> s_shared = new(FindShared);

    /// <summary>Gets the repository root (the folder holding Scarlet.Sdk.sln).</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>Gets the shared folder (models and data).</summary>
    public static string Shared => s_shared.Value;

    /// <summary>Gets the models folder.</summary>
    public static string ModelsDir => Path.Combine(Shared, "models");

    /// <summary>Gets the data folder.</summary>
    public static string DataDir => Path.Combine(Shared, "data");

    /// <summary>Path of a model file, checked to exist.</summary>
    public static string Model(string fileName) => Existing(Path.Combine(ModelsDir, fileName));

    /// <summary>Path of a data file or folder below <c>shared/data</c>, checked to exist.</summary>
    public static string Data(string relativePath) => Existing(Path.Combine(DataDir, relativePath));

    /// <summary>The YuNet-s face detector (fixed 640x640).</summary>
    public static string YuNet => Model("face_detection_yunet_2023mar.onnx");

    /// <summary>The YuNet-n face detector (dynamic size).</summary>
    public static string YuNetDynamic => Model("yunet_n_dynamic.onnx");

    /// <summary>The MobileFaceNet face embedder (128-d).</summary>
    public static string MobileFaceNet => Model("mobilefacenet.onnx");

    /// <summary>The YOLOX-Nano COCO detector.</summary>
    public static string YoloxNano => Model("yolox_nano.onnx");

    /// <summary>The OSNet-x0.25 person re-ID model.</summary>
    public static string OsNet => Model("osnet_x0_25_msmt17.onnx");

    /// <summary>The MiniFASNetV2 anti-spoofing model.</summary>
    public static string MiniFasNet => Model("2.7_80x80_MiniFASNetV2.onnx");

    /// <summary>The PETS09-S2L1 video (768x576, 795 frames).</summary>
    public static string VtestVideo => Data("video/vtest.avi");

    /// <summary>The LFW folder (pairs.txt and images/).</summary>
    public static string Lfw => Data("faces/lfw");

    private static string Existing(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"Test asset not found: {path} (shared folder: {Shared}; set SCARLET_SHARED to override).", path);
        }

        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scarlet.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Scarlet.Sdk.sln not found above {AppContext.BaseDirectory}.");
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("SCARLET_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            return Path.GetFullPath(env);
        }

        var candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        if (Directory.Exists(candidate))
        {
            return candidate;
        }

        throw new DirectoryNotFoundException($"The shared folder was not found at {candidate}; set SCARLET_SHARED.");
    }
}
