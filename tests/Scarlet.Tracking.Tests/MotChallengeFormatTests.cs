using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;

namespace Scarlet.Tracking.Tests;

public sealed class MotChallengeFormatTests
{
    [Fact]
    public void Read_ParsesFloatIdsSpacesAndMissingColumns()
    {
        var rows = MotChallengeFormat.Read(new StringReader("1,0.0,10.5,20,30,40,1,-1,-1,-1\n\n2 3 1 2 3 4\n3,-1,1,2,3,4,0.25\n"));
        Assert.Equal(3, rows.Count);
        Assert.Equal(new MotRecord(1, 0, 10.5, 20, 30, 40, 1, -1, -1), rows[0]);
        Assert.Equal(3, rows[1].Id);
        Assert.Equal(1.0, rows[1].Confidence);
        Assert.Equal(0.25, rows[2].Confidence);
    }

    [Theory]
    [InlineData("1,2,3")]
    [InlineData("0,1,1,1,1,1")]
    [InlineData("1.5,1,1,1,1,1")]
    [InlineData("1,1,abc,1,1,1")]
    [InlineData("1,1,NaN,1,1,1")]
    public void Read_RejectsMalformedRowsWithLineNumber(string line)
    {
        var ex = Assert.Throws<InvalidDataException>(() => MotChallengeFormat.Read(new StringReader("1,1,1,1,1,1\n" + line), "x.txt"));
        Assert.Contains("x.txt:2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WorldCoordinatesAreNotAClass()
    {
        var rows = MotChallengeFormat.Read(new StringReader("1,1,88,99,61.08,218.56,1,4.4852,5.5016,0\n"));
        Assert.Equal(-1, rows[0].Class);
        Assert.Equal(MotBenchmark.Mot15, MotEvaluator.DetectBenchmark(rows));
    }

    [Fact]
    public void Evaluate_RejectsDuplicateTrackerIdsInAFrame()
    {
        var gt = MotChallengeFormat.Read(new StringReader("1,1,0,0,10,10,1,1,1\n"));
        var res = MotChallengeFormat.Read(new StringReader("1,5,0,0,10,10\n1,5,20,20,10,10\n"));
        Assert.Throws<InvalidDataException>(() => MotEvaluator.Evaluate(gt, res, MotBenchmark.Mot17));
    }

    [Fact]
    public void SequenceInfo_ReadsIni()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "[Sequence]\nname=S\nframeRate=14\nseqLength=837\nimWidth=640\nimHeight=480\n");
            var info = SequenceInfo.Read(path);
            Assert.Equal(("S", 14.0, 837, 640, 480), (info.Name, info.FrameRate, info.Length, info.Width, info.Height));
            File.WriteAllText(path, "[Sequence]\nname=S\nframeRate=14\n");
            Assert.Throws<InvalidDataException>(() => SequenceInfo.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class MotInterpolationTests
{
    [Fact]
    public void FillGaps_InterpolatesShortGapsOnly()
    {
        MotRecord[] rows =
        [
            new(1, 1, 0, 0, 10, 20, 1, -1, -1),
            new(4, 1, 30, 0, 10, 20, 1, -1, -1),
            new(1, 2, 100, 0, 10, 20, 1, -1, -1),
            new(10, 2, 200, 0, 10, 20, 1, -1, -1),
        ];
        var filled = MotInterpolation.FillGaps(rows, 3);
        Assert.Equal(6, filled.Count);
        Assert.Equal(new MotRecord(2, 1, 10, 0, 10, 20, 1, -1, -1), filled[2]);
        Assert.Equal(20, filled.Single(r => r.Frame == 3).X, 1e-9);
        Assert.DoesNotContain(filled, r => r.Id == 2 && r.Frame is > 1 and < 10);
        Assert.True(filled.Zip(filled.Skip(1)).All(p => p.First.Frame <= p.Second.Frame));
    }
}
