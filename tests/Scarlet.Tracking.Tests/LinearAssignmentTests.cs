using Scarlet.Tracking.Assignment;

namespace Scarlet.Tracking.Tests;

public sealed class LinearAssignmentTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(5, 5)]
    [InlineData(6, 6)]
    [InlineData(3, 6)]
    [InlineData(6, 3)]
    [InlineData(4, 7)]
    [InlineData(7, 2)]
    public void Solve_MatchesBruteForceOnRandomMatrices(int rows, int cols)
    {
        var rng = new Random(rows * 100 + cols);
        var lap = new LinearAssignment();
        for (var trial = 0; trial < 40; trial++)
        {
            var cost = new double[rows * cols];
            for (var k = 0; k < cost.Length; k++)
            {
                // Integer costs in a small range make ties frequent, which is the hard case.
                cost[k] = trial % 2 == 0 ? rng.Next(0, 5) : (rng.NextDouble() * 10) - 5;
            }

            var assignment = new int[rows];
            var n = lap.Solve(cost, rows, cols, assignment);
            Assert.Equal(Math.Min(rows, cols), n);
            var used = new HashSet<int>();
            var total = 0.0;
            for (var i = 0; i < rows; i++)
            {
                if (assignment[i] >= 0)
                {
                    Assert.True(used.Add(assignment[i]));
                    total += cost[(i * cols) + assignment[i]];
                }
            }

            Assert.Equal(BruteForce(cost, rows, cols), total, 1e-9);
        }
    }

    [Fact]
    public void Solve_HandlesEmptyAndRejectsNonFinite()
    {
        var lap = new LinearAssignment();
        Assert.Equal(0, lap.Solve([], 0, 5, []));
        Assert.Throws<ArgumentException>(() => lap.Solve([double.NaN], 1, 1, new int[1]));
        Assert.Throws<ArgumentException>(() => lap.Solve([1, 2], 2, 2, new int[2]));
    }

    [Fact]
    public void Solve_LargeProblemIsAPermutation()
    {
        var rng = new Random(7);
        const int n = 300;
        var cost = new double[n * n];
        for (var k = 0; k < cost.Length; k++)
        {
            cost[k] = rng.NextDouble();
        }

        var a = new int[n];
        new LinearAssignment().Solve(cost, n, n, a);
        Assert.Equal(n, a.Distinct().Count());
    }

    private static double BruteForce(double[] cost, int rows, int cols)
    {
        // Minimum over injective maps from the smaller side into the larger.
        var transpose = rows > cols;
        var small = transpose ? cols : rows;
        var large = transpose ? rows : cols;
        var best = double.PositiveInfinity;
        var used = new bool[large];
        void Recurse(int i, double acc)
        {
            if (i == small)
            {
                best = Math.Min(best, acc);
                return;
            }

            for (var j = 0; j < large; j++)
            {
                if (used[j])
                {
                    continue;
                }

                used[j] = true;
                Recurse(i + 1, acc + (transpose ? cost[(j * cols) + i] : cost[(i * cols) + j]));
                used[j] = false;
            }
        }

        Recurse(0, 0);
        return best;
    }
}
