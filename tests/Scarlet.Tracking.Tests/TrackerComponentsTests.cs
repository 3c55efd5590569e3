using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Testing;
using Scarlet.Tracking.Internal;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests;

/// <summary>
/// The optional components of the ByteTrack mode (issue 17) on real MOT17 ground truth: camera-motion compensation
/// from boxes, OC-SORT's observation-centric re-update, momentum and recovery, and the tentative-miss life-cycle.
/// </summary>
public sealed class TrackerComponentsTests
{
    private static List<MotRecord> Pedestrians(string sequence, double minVisibility) =>
        [.. MotChallengeFormat.ReadFile(TestAssets.Data($"mot17/train/{sequence}/gt/gt.txt"))
            .Where(r => r.Confidence == 1 && r.Class == 1 && r.Visibility >= minVisibility)];

    private static TrackerDetection[][] AsDetections(List<MotRecord> gt, int frames)
    {
        var perFrame = new List<TrackerDetection>[frames];
        for (var f = 0; f < frames; f++)
        {
            perFrame[f] = [];
        }

        foreach (var r in gt.OrderBy(r => r.Frame).ThenBy(r => r.Id))
        {
            perFrame[r.Frame - 1].Add(new TrackerDetection(r.Box, 1f));
        }

        return [.. perFrame.Select(l => l.ToArray())];
    }

    [Fact]
    public void MotionEstimate_RecoversAKnownShiftAndZoom_OfARealFramesBoxes_DespiteWalkers()
    {
        // MOT17-04 frame 500 (a dense crowd, 1920x1080): every pedestrian at least 30 % visible, box centre and height.
        var boxes = Pedestrians("MOT17-04-SDP", 0.3).Where(r => r.Frame == 500).ToList();
        Assert.True(boxes.Count >= 20, $"{boxes.Count} boxes");

        // Pan 18 px left and 6.5 px down, zoom 2 % about the image centre.
        var truth = new SimilarityMotion(1.02, 0.0, 960 - (1.02 * 960) - 18, 540 - (1.02 * 540) + 6.5);
        var previous = new double[3 * boxes.Count];
        var current = new double[3 * boxes.Count];
        for (var i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i].Box;
            previous[3 * i] = b.CenterX;
            previous[(3 * i) + 1] = b.CenterY;
            previous[(3 * i) + 2] = b.Height;
            var (x, y) = truth.Apply(b.CenterX, b.CenterY);

            // Every third person also walks a quarter of their height: outliers the estimate must ignore.
            if (i % 3 == 1)
            {
                x += 0.25 * b.Height;
            }

            current[3 * i] = x;
            current[(3 * i) + 1] = y;
            current[(3 * i) + 2] = b.Height * truth.Scale;
        }

        var estimator = new CameraMotionEstimator();
        Assert.True(estimator.Estimate(previous, current, 0.1, 4, 1.1, out var motion));
        var walkers = (boxes.Count + 1) / 3;
        Assert.InRange(estimator.Inliers, (boxes.Count - walkers) * 8 / 10, boxes.Count - walkers); // a few crowd pairs may be ambiguous
        for (var i = 0; i < boxes.Count; i++)
        {
            var (ex, ey) = motion.Apply(previous[3 * i], previous[(3 * i) + 1]);
            var (tx, ty) = truth.Apply(previous[3 * i], previous[(3 * i) + 1]);
            Assert.True(Math.Abs(ex - tx) < 0.01 && Math.Abs(ey - ty) < 0.01, $"box {i}: ({ex}, {ey}) vs ({tx}, {ty})");
        }

        // No camera motion, people standing still: no warp at all (identity wins), so a fixed camera gets no noise.
        Assert.False(estimator.Estimate(previous, previous, 0.1, 4, 1.1, out var none) && none != SimilarityMotion.Identity);
        Assert.Equal(SimilarityMotion.Identity, none);
    }

    [Fact]
    public void CameraMotionCompensation_KeepsIdsThroughACameraJerk_OnRealBoxes()
    {
        // MOT17-09 (fixed camera) ground truth as detections, with a sudden 0.6-box-width pan from frame 60 on: every
        // box jumps at once, as when a hand-held camera is jerked. Without compensation the predictions are left behind.
        const int frames = 120;
        var gt = Pedestrians("MOT17-09-SDP", 0.5).Where(r => r.Frame <= frames).ToList();
        var dets = AsDetections(gt, frames);
        for (var f = 59; f < frames; f++)
        {
            dets[f] = [.. dets[f].Select(d => d with { Box = d.Box with { X = d.Box.X + 70 } })];
        }

        static BoundingBox Seen(MotRecord g) => g.Frame >= 60 ? g.Box with { X = g.Box.X + 70 } : g.Box;
        var without = IdSwitches(new TrackerOptions { CameraMotionCompensation = false }, dets, gt, Seen);
        var with = IdSwitches(new TrackerOptions { CameraMotionCompensation = true }, dets, gt, Seen);
        Assert.True(without > 0, $"without compensation: {without} switches");
        Assert.Equal(0, with);
    }

    [Fact]
    public void CameraMotionCompensation_LeavesFixedCamerasAlone_AndFollowsTheMovingOne_OnRealDetections()
    {
        // MPNTrack's boxes (ids removed) as detections: MOT17-02, -04 and -09 are filmed by fixed cameras, MOT17-05 by
        // a walking one. Measured warped frames with the defaults: 0, 0, 0 and 44 of 837.
        foreach (var sequence in new[] { "MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-09-FRCNN" })
        {
            Assert.Equal(0, CompensatedFrames(new TrackerOptions(), TrackerBoxes(sequence)));
        }

        Assert.InRange(CompensatedFrames(new TrackerOptions { FrameRate = 14 }, TrackerBoxes("MOT17-05-FRCNN")), 30, 837);

        // PETS09-S2L1: a fixed camera seen through SORT's raw detections (4-8 jittery boxes a frame). Without the
        // residual and shift tests, motions fitted to walkers warp 120 of 795 frames (278 when also applied from
        // their first frame); with them, 12.
        var pets = MultiObjectTrackerTests.LoadDetections(TestAssets.Data("mot15/train/PETS09-S2L1/det/det.txt"), 795);
        Assert.InRange(CompensatedFrames(new TrackerOptions { FrameRate = 10 }, pets), 0, 20);
        Assert.InRange(CompensatedFrames(new TrackerOptions { FrameRate = 10, CameraMotionMaxResidualRatio = 1, CameraMotionMinShift = 0 }, pets), 80, 795);
    }

    [Fact]
    public void CameraMotionCompensation_FollowsAKnownPan_AddedToARealSequencesDetections()
    {
        // MOT17-09 (fixed camera), MPNTrack's boxes as detections, with a pan added: from frame 200 every box moves
        // 25 px further left each frame for 40 frames (1,000 px in all), as if the camera turned. The gt moves with it.
        // Measured with the defaults: IDF1 0.6981 / IDSW 10 with compensation, 0.6975 / 15 without (momentum alone
        // already keeps much of the pan; without momentum 0.6851 / 12).
        var dets = TrackerBoxes("MOT17-09-FRCNN");
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data("mot17/train/MOT17-09-FRCNN/gt/gt.txt"));
        static float Shift(int frame) => -25f * Math.Clamp(frame - 200, 0, 40);
        for (var f = 0; f < dets.Length; f++)
        {
            dets[f] = [.. dets[f].Select(d => d with { Box = d.Box with { X = d.Box.X + Shift(f + 1) } })];
        }

        gt = [.. gt.Select(r => r with { X = r.X + Shift(r.Frame) })];
        var on = new TrackerOptions();
        var off = new TrackerOptions { CameraMotionCompensation = false };
        var warped = CompensatedFrames(on, dets);
        var with = MotEvaluator.Evaluate(gt, Run(on, dets), MotBenchmark.Mot17, dets.Length);
        var without = MotEvaluator.Evaluate(gt, Run(off, dets), MotBenchmark.Mot17, dets.Length);
        Assert.InRange(warped, 30, 40); // measured 33: the pan frames after its first, and no other
        Assert.True(with.IdSwitches < without.IdSwitches && with.Idf1 >= without.Idf1, $"with: IDF1 {with.Idf1:F4} IDSW {with.IdSwitches}; without: IDF1 {without.Idf1:F4} IDSW {without.IdSwitches}");
    }

    [Fact]
    public void ObservationCentricReUpdate_KeepsTheIdOfAPersonOccludedFor13Frames_OnMot17_09()
    {
        // Detections: MOT17-09's pedestrians while at least half visible, so occlusions are real gaps. Person 7 is
        // hidden from frame 178 to 190; with the re-update the track that had them before has them after.
        var gt = Pedestrians("MOT17-09-SDP", 0.5);
        var dets = AsDetections(gt, 525);
        var person = gt.Where(r => r.Id == 7).ToDictionary(r => r.Frame, r => r.Box);
        Assert.True(person.ContainsKey(177) && person.ContainsKey(191) && !Enumerable.Range(178, 13).Any(person.ContainsKey));

        var on = new TrackerOptions { LostTrackBuffer = 120, ObservationCentricReUpdate = true };
        var off = new TrackerOptions { LostTrackBuffer = 120 };
        var (before, after) = IdsAround(on, dets, person, 177, 195);
        Assert.NotNull(before);
        Assert.Equal(before, after);

        // And over the whole sequence it helps (measured: IDF1 0.6792 -> 0.6906).
        Assert.True(Idf1(on, dets, "MOT17-09-SDP") > Idf1(off, dets, "MOT17-09-SDP") + 0.005);
    }

    [Fact]
    public void Momentum_PrefersTheDetectionAlongTheTracksDirection()
    {
        // A square box moving right 20 px/frame; then two candidates overlap the prediction about equally: one 30 px
        // further along the motion, one 30 px off it (up). The momentum term picks the one along the motion; IoU alone
        // takes the one off it (the Kalman velocity lags behind 20 px/frame, so the prediction is short of the path).
        Assert.Equal(0f, Follow(new TrackerOptions { MomentumWeight = 1f }));
        Assert.Equal(-30f, Follow(new TrackerOptions { MomentumWeight = 0 }));

        static float Follow(TrackerOptions o)
        {
            var tracker = new MultiObjectTracker(o);
            var id = 0;
            const int steps = 8;
            for (var f = 0; f < steps; f++)
            {
                id = Assert.Single(tracker.Update([new TrackerDetection(new BoundingBox(100 + (20 * f), 100, 100, 100), 0.9f)])).Id;
            }

            var x = 100 + (20 * steps);
            var next = tracker.Update([new TrackerDetection(new BoundingBox(x, 70, 100, 100), 0.9f), new TrackerDetection(new BoundingBox(x + 30, 100, 100, 100), 0.9f)]);
            return next.Single(t => t.Id == id).DetectionBox.Y - 100;
        }
    }

    [Fact]
    public void Momentum_IsNotSteeredByThePositionJitterOfAPersonStandingStill()
    {
        // A 100 px box that drifts 0.15 px/frame (jitter-sized: 1.2 px over the 8-frame window, against a detection
        // noise of 5 px), then two candidates: one 12 px along the "direction", one 10 px across it with the better
        // IoU. Weighted by how far the direction stands above jitter, the momentum term leaves the IoU choice alone.
        Assert.Equal(-10f, Follow(new TrackerOptions { MomentumWeight = 1f }));
        Assert.Equal(-10f, Follow(new TrackerOptions { MomentumWeight = 0 }));

        static float Follow(TrackerOptions o)
        {
            var tracker = new MultiObjectTracker(o);
            var id = 0;
            const int steps = 12;
            for (var f = 0; f < steps; f++)
            {
                id = Assert.Single(tracker.Update([new TrackerDetection(new BoundingBox(100 + (0.15f * f), 100, 100, 100), 0.9f)])).Id;
            }

            var x = 100 + (0.15f * steps);
            var next = tracker.Update([new TrackerDetection(new BoundingBox(x + 12, 100, 100, 100), 0.9f), new TrackerDetection(new BoundingBox(x, 90, 100, 100), 0.9f)]);
            return next.Single(t => t.Id == id).DetectionBox.Y - 100;
        }
    }

    [Fact]
    public void Recovery_RefindsALostTrackAtItsLastObservedBox()
    {
        // A person walks right, stops behind an occluder for 10 frames, and reappears where they were last seen. The
        // Kalman prediction has walked on 60 px; the last observation has not. (The only box is the picture's extent,
        // and ten detections are a short track, so the default's edge and length rules are off here.)
        var box = new BoundingBox(100, 100, 40, 100);
        foreach (var (recovery, expectSameId) in new[] { (0f, false), (0.5f, true) })
        {
            var tracker = new MultiObjectTracker(new TrackerOptions { RecoveryMinIoU = recovery, RecoveryMinHits = 0, RecoverySkipsBorderTracks = false });
            var id = 0;
            for (var f = 0; f < 10; f++)
            {
                id = Assert.Single(tracker.Update([new TrackerDetection(box with { X = 100 + (6 * f) }, 0.9f)])).Id;
            }

            for (var f = 0; f < 10; f++)
            {
                tracker.Update([]);
            }

            tracker.Update([new TrackerDetection(box with { X = 154 }, 0.9f)]);
            var back = tracker.Update([new TrackerDetection(box with { X = 154 }, 0.9f)]);
            Assert.Equal(expectSameId, back.Any(t => t.Id == id));
        }
    }

    [Fact]
    public void TentativeMaxMisses_LetsATrackSurviveAMissedSecondDetection()
    {
        var box = new BoundingBox(100, 100, 40, 100);
        foreach (var (misses, expectFirstId) in new[] { (0, false), (1, true) })
        {
            var tracker = new MultiObjectTracker(new TrackerOptions { TentativeMaxMisses = misses });
            tracker.Update([]);
            tracker.Update([new TrackerDetection(box, 0.9f)]);
            var first = Assert.Single(tracker.LiveTracks).Id;
            tracker.Update([]); // the second detection is missed
            tracker.Update([new TrackerDetection(box, 0.9f)]);
            Assert.Equal(expectFirstId, Assert.Single(tracker.LiveTracks).Id == first);
        }
    }

    [Fact]
    public void OcSortSet_OnPets09RawDetections_RaisesIdf1()
    {
        // SORT's Faster R-CNN detections on PETS09-S2L1 (fixed camera, noisy): OC-SORT's own set (ORU + momentum 0.2
        // over 3 frames + recovery 0.3) against no OC-SORT component (docs/tracking.md; not used to choose any default).
        var (dets, gt) = Pets09();
        double Idf1Of(TrackerOptions o) => MotEvaluator.Evaluate(gt, Run(o, dets, kalmanBox: true), MotBenchmark.Mot15, dets.Length).Idf1;
        var none = Idf1Of(new TrackerOptions { FrameRate = 10, MomentumWeight = 0, RecoveryMinIoU = 0 });
        var ocSort = Idf1Of(new TrackerOptions
        {
            FrameRate = 10,
            ObservationCentricReUpdate = true,
            MomentumWeight = 0.2f,
            MomentumDeltaFrames = 3,
            RecoveryMinIoU = 0.3f,
            RecoveryMinHits = 0,
            RecoverySkipsBorderTracks = false,
        });
        Assert.True(ocSort > OcSortSetMinIdf1, $"IDF1 {ocSort}");
        Assert.True(ocSort > none + 0.04, $"IDF1 {ocSort} vs none {none}"); // measured 0.4679 without
    }

    [Fact]
    public void DefaultMomentum_RaisesIdf1_OnRawDetections_AndHoldsOnMot17Crowd()
    {
        // The default momentum (0.3 over 8 frames, chosen by leave-one-sequence-out on MOT17 + TUD) against none, on
        // SORT's raw Faster R-CNN detections: TUD-Campus + TUD-Stadtmitte (in the choice) and PETS09-S2L1 (never in
        // it). Measured IDF1: TUD 0.7100 -> 0.7706, PETS09 0.4679 -> 0.5241 (recovery off on PETS09, where it adds
        // more: see DefaultRecovery_...).
        double RawIdf1(TrackerOptions o, TrackerDetection[][] dets, List<MotRecord> gt) =>
            MotEvaluator.Evaluate(gt, Run(o, dets, kalmanBox: true), MotBenchmark.Mot15, dets.Length).Idf1;
        var (pets, petsGt) = Pets09();
        var petsOn = RawIdf1(new TrackerOptions { FrameRate = 10, RecoveryMinIoU = 0 }, pets, petsGt);
        var petsOff = RawIdf1(new TrackerOptions { FrameRate = 10, MomentumWeight = 0, RecoveryMinIoU = 0 }, pets, petsGt);
        Assert.True(petsOn > 0.51 && petsOn > petsOff + 0.03, $"PETS09 IDF1 {petsOn} vs {petsOff} without momentum");

        var tudOn = 0.0;
        var tudOff = 0.0;
        foreach (var sequence in new[] { "TUD-Campus", "TUD-Stadtmitte" })
        {
            var gt = MotChallengeFormat.ReadFile(TestAssets.Data($"mot15/train/{sequence}/gt/gt.txt"));
            var dets = MultiObjectTrackerTests.LoadDetections(TestAssets.Data($"mot15/train/{sequence}/det/det.txt"), gt.Max(r => r.Frame));
            tudOn += RawIdf1(new TrackerOptions { FrameRate = 25 }, dets, gt) / 2;
            tudOff += RawIdf1(new TrackerOptions { FrameRate = 25, MomentumWeight = 0 }, dets, gt) / 2;
        }

        Assert.True(tudOn > tudOff + 0.03, $"TUD IDF1 {tudOn} vs {tudOff} without momentum");

        // MOT17-04's dense crowd (Lif_T's refined boxes) is where momentum costs: measured IDF1 0.8464 -> 0.8327 on the
        // SDP variant (detection boxes out); the cost stays bounded.
        const string crowd = "MOT17-04-SDP";
        var lifT = MultiObjectTrackerTests.LoadDetections(TestAssets.Data($"mot17/trackers/Lif_T/data/{crowd}.txt"), 1050);
        var crowdOn = Idf1(new TrackerOptions(), lifT, crowd);
        var crowdOff = Idf1(new TrackerOptions { MomentumWeight = 0 }, lifT, crowd);
        Assert.True(crowdOn > crowdOff - 0.02, $"MOT17-04 IDF1 {crowdOn} vs {crowdOff} without momentum");
    }

    [Fact]
    public void DefaultRecovery_MeetsThePets09Targets_AndLeavesTheRawCvSequencesAsTheyWere()
    {
        // The default recovery (IoU 0.4 with the last observed box, tracks with >= 60 detections, none last seen at the
        // picture's edge; chosen by leave-one-sequence-out on MOT17 + TUD) on SORT's raw Faster R-CNN detections of
        // PETS09-S2L1, which is in no choice. Measured HOTA / MOTA / IDF1: 0.3948 / 0.6226 / 0.5241 without recovery,
        // 0.4100 / 0.6224 / 0.5568 with it: issue 17's targets (IDF1 >= 0.55, MOTA >= 0.62).
        var (pets, petsGt) = Pets09();
        MotMetrics Pets(TrackerOptions o) => MotEvaluator.Evaluate(petsGt, Run(o, pets, kalmanBox: true), MotBenchmark.Mot15, pets.Length);
        var on = Pets(new TrackerOptions { FrameRate = 10 });
        var off = Pets(new TrackerOptions { FrameRate = 10, RecoveryMinIoU = 0 });
        Assert.True(on.Idf1 >= 0.55 && on.Mota >= 0.62, $"PETS09 IDF1 {on.Idf1:F4} MOTA {on.Mota:F4}");
        Assert.True(on.Idf1 > off.Idf1 + 0.02, $"PETS09 IDF1 {on.Idf1:F4} vs {off.Idf1:F4} without recovery");

        // TUD (raw detections in the choice): the length and edge rules keep recovery from costing there.
        foreach (var sequence in new[] { "TUD-Campus", "TUD-Stadtmitte" })
        {
            var gt = MotChallengeFormat.ReadFile(TestAssets.Data($"mot15/train/{sequence}/gt/gt.txt"));
            var dets = MultiObjectTrackerTests.LoadDetections(TestAssets.Data($"mot15/train/{sequence}/det/det.txt"), gt.Max(r => r.Frame));
            double Tud(TrackerOptions o) => MotEvaluator.Evaluate(gt, Run(o, dets, kalmanBox: true), MotBenchmark.Mot15, dets.Length).Idf1;
            Assert.Equal(Tud(new TrackerOptions { FrameRate = 25, RecoveryMinIoU = 0 }), Tud(new TrackerOptions { FrameRate = 25 }), 4);
        }
    }

    [Fact]
    public void Recovery_DoesNotHandAPersonWhoLeftAtTheEdgeToTheNextOneEntering_OnMot17_09()
    {
        // MPNTrack's boxes of MOT17-09-FRCNN: person 2 walks out at the left edge (last box at x = -60, frame 468) and
        // person 5 walks in at the same spot 17 frames later. Recovery by the last observed box joins them under one
        // id unless tracks last seen at the picture's edge are left out (the default); without recovery they are apart.
        const string sequence = "MOT17-09-FRCNN";
        var dets = TrackerBoxes(sequence);
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data($"mot17/train/{sequence}/gt/gt.txt"));
        int? IdOf(List<MotRecord> rows, int person, int frame)
        {
            var box = gt.Single(r => r.Id == person && r.Frame == frame).Box;
            var hits = rows.Where(r => r.Frame == frame && BoundingBox.IoU(r.Box, box) > 0.5).ToList();
            return hits.Count == 0 ? null : hits.MaxBy(r => BoundingBox.IoU(r.Box, box)).Id;
        }

        bool Joined(TrackerOptions o)
        {
            var rows = Run(o, dets);
            var leaving = IdOf(rows, 2, 460);
            Assert.NotNull(leaving);
            return leaving == IdOf(rows, 5, 490);
        }

        Assert.True(Joined(new TrackerOptions { RecoverySkipsBorderTracks = false }));
        Assert.False(Joined(new TrackerOptions()));
        Assert.False(Joined(new TrackerOptions { RecoveryMinIoU = 0 }));

        // Over the sequence: IDF1 0.7189 with the edge rule off, 0.7288 with it, as without recovery.
        Assert.True(Idf1(new TrackerOptions(), dets, sequence) > Idf1(new TrackerOptions { RecoverySkipsBorderTracks = false }, dets, sequence) + 0.005);
    }

    [Fact]
    public void Components_AreDeterministic_AndValidated()
    {
        var dets = AsDetections(Pedestrians("MOT17-05-SDP", 0.3), 837);
        var o = new TrackerOptions
        {
            FrameRate = 14, CameraMotionCompensation = true, ObservationCentricReUpdate = true, MomentumWeight = 0.2f, RecoveryMinIoU = 0.3f, TentativeMaxMisses = 1,
        };
        Assert.Equal(Write(o, dets), Write(o, dets));

        var ex = Assert.Throws<ArgumentException>(() => new MultiObjectTracker(new TrackerOptions { CameraMotionInlierThreshold = 0, CameraMotionIdentityMargin = 0.5f, MomentumWeight = -1 }));
        Assert.Contains("CameraMotionInlierThreshold", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CameraMotionIdentityMargin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MomentumWeight", ex.Message, StringComparison.Ordinal);
    }

    // Measured 0.5209 (0.5698 before the momentum term was weighted by how far a direction stands above jitter).
    private const double OcSortSetMinIdf1 = 0.51;

    private static (TrackerDetection[][] Dets, List<MotRecord> Gt) Pets09() =>
        (MultiObjectTrackerTests.LoadDetections(TestAssets.Data("mot15/train/PETS09-S2L1/det/det.txt"), 795),
         MotChallengeFormat.ReadFile(TestAssets.Data("video/vtest_annotations/gt_mot.txt")));

    private static TrackerDetection[][] TrackerBoxes(string sequence) => MultiObjectTrackerTests.LoadDetections(
        TestAssets.Data($"mot17/trackers/MPNTrack/data/{sequence}.txt"), SequenceInfo.Read(TestAssets.Data($"mot17/train/{sequence}/seqinfo.ini")).Length);

    private static int CompensatedFrames(TrackerOptions o, TrackerDetection[][] dets)
    {
        var tracker = new MultiObjectTracker(o);
        foreach (var frame in dets)
        {
            tracker.Update(frame);
        }

        return tracker.CameraMotionCompensatedFrames;
    }

    private static string Write(TrackerOptions o, TrackerDetection[][] dets)
    {
        var tracker = new MultiObjectTracker(o);
        using var w = new StringWriter();
        for (var f = 0; f < dets.Length; f++)
        {
            foreach (var t in tracker.Update(dets[f]))
            {
                MotChallengeFormat.WriteResult(w, f + 1, t);
            }
        }

        return w.ToString();
    }

    private static List<MotRecord> Run(TrackerOptions o, TrackerDetection[][] dets, bool kalmanBox = false)
    {
        var tracker = new MultiObjectTracker(o);
        var rows = new List<MotRecord>();
        for (var f = 0; f < dets.Length; f++)
        {
            foreach (var t in tracker.Update(dets[f]))
            {
                var b = kalmanBox ? t.Box : t.DetectionBox;
                rows.Add(new MotRecord(f + 1, t.Id, b.X, b.Y, b.Width, b.Height, 1, -1, -1));
            }
        }

        return rows;
    }

    private static double Idf1(TrackerOptions o, TrackerDetection[][] dets, string sequence) => MotEvaluator.Evaluate(
        MotChallengeFormat.ReadFile(TestAssets.Data($"mot17/train/{sequence}/gt/gt.txt")), Run(o, dets), MotBenchmark.Mot17, dets.Length).Idf1;

    // Id switches of the reported tracks against the gt ids, counted directly: a gt id's tracker id changing between
    // two frames where both are reported (the detections are the gt boxes, so each is matched exactly).
    private static int IdSwitches(TrackerOptions o, TrackerDetection[][] dets, List<MotRecord> gt, Func<MotRecord, BoundingBox> seen)
    {
        var rows = Run(o, dets);
        var switches = 0;
        foreach (var person in gt.GroupBy(r => r.Id))
        {
            int? last = null;
            foreach (var g in person.OrderBy(r => r.Frame))
            {
                var id = IdAt(rows, g.Frame, seen(g));
                if (id is { } current)
                {
                    switches += last is { } previous && previous != current ? 1 : 0;
                    last = current;
                }
            }
        }

        return switches;
    }

    private static int? IdAt(List<MotRecord> rows, int frame, BoundingBox box)
    {
        foreach (var r in rows)
        {
            if (r.Frame == frame && BoundingBox.IoU(r.Box, box) > 0.99)
            {
                return r.Id;
            }
        }

        return null;
    }

    private static (int? Before, int? After) IdsAround(TrackerOptions o, TrackerDetection[][] dets, Dictionary<int, BoundingBox> person, int before, int after)
    {
        var rows = Run(o, dets);
        return (IdAt(rows, before, person[before]), IdAt(rows, after, person[after]));
    }
}
