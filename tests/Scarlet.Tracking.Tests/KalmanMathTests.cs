using Scarlet.Tracking.Internal;

namespace Scarlet.Tracking.Tests;

/// <summary>The allocation-free Kalman steps against a naive dense implementation.</summary>
public sealed class KalmanMathTests
{
    [Theory]
    [InlineData(8, 4)]
    [InlineData(7, 3)]
    public void PredictAndUpdate_MatchDenseReference(int n, int velocities)
    {
        var rng = new Random(n);
        for (var trial = 0; trial < 20; trial++)
        {
            var mean = new double[n];
            var cov = RandomSpd(rng, n);
            for (var i = 0; i < n; i++)
            {
                mean[i] = (rng.NextDouble() * 100) - 50;
            }

            var q = new double[n];
            for (var i = 0; i < n; i++)
            {
                q[i] = rng.NextDouble();
            }

            var z = new double[] { rng.NextDouble() * 50, rng.NextDouble() * 50, rng.NextDouble(), rng.NextDouble() * 100 };
            var r = new double[] { 1, 2, 0.5, 3 };

            // Reference: F, H as dense matrices.
            var f = Identity(n);
            for (var i = 0; i < velocities; i++)
            {
                f[i, i + 4] = 1;
            }

            var refMean = MulVec(f, mean);
            var refCov = Add(Mul(Mul(f, ToMatrix(cov, n)), Transpose(f)), Diag(q));
            var h = new double[4, n];
            for (var i = 0; i < 4; i++)
            {
                h[i, i] = 1;
            }

            var s = Add(Mul(Mul(h, refCov), Transpose(h)), Diag(r));
            var k = Mul(Mul(refCov, Transpose(h)), Inverse(s));
            var innov = new double[4];
            var hx = MulVec(h, refMean);
            for (var i = 0; i < 4; i++)
            {
                innov[i] = z[i] - hx[i];
            }

            var kInnov = MulVec(k, innov);
            var expectedMean = new double[n];
            for (var i = 0; i < n; i++)
            {
                expectedMean[i] = refMean[i] + kInnov[i];
            }

            var expectedCov = Sub(refCov, Mul(Mul(k, s), Transpose(k)));

            KalmanMath.Predict(mean, cov, n, velocities, q);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(refMean[i], mean[i], 1e-9);
            }

            KalmanMath.Update(mean, cov, n, z, r);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(expectedMean[i], mean[i], 1e-7);
                for (var j = 0; j < n; j++)
                {
                    Assert.Equal(expectedCov[i, j], cov[(i * n) + j], 1e-7);
                }
            }
        }
    }

    private static double[] RandomSpd(Random rng, int n)
    {
        var a = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                a[i, j] = rng.NextDouble() - 0.5;
            }
        }

        var spd = Add(Mul(a, Transpose(a)), Diag(Enumerable.Repeat(1.0, n).ToArray()));
        var flat = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                flat[(i * n) + j] = spd[i, j];
            }
        }

        return flat;
    }

    private static double[,] ToMatrix(double[] flat, int n)
    {
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                m[i, j] = flat[(i * n) + j];
            }
        }

        return m;
    }

    private static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    private static double[,] Diag(double[] d)
    {
        var m = new double[d.Length, d.Length];
        for (var i = 0; i < d.Length; i++)
        {
            m[i, i] = d[i];
        }

        return m;
    }

    private static double[,] Mul(double[,] a, double[,] b)
    {
        var r = new double[a.GetLength(0), b.GetLength(1)];
        for (var i = 0; i < a.GetLength(0); i++)
        {
            for (var j = 0; j < b.GetLength(1); j++)
            {
                for (var k = 0; k < a.GetLength(1); k++)
                {
                    r[i, j] += a[i, k] * b[k, j];
                }
            }
        }

        return r;
    }

    private static double[] MulVec(double[,] a, double[] v)
    {
        var r = new double[a.GetLength(0)];
        for (var i = 0; i < r.Length; i++)
        {
            for (var k = 0; k < v.Length; k++)
            {
                r[i] += a[i, k] * v[k];
            }
        }

        return r;
    }

    private static double[,] Transpose(double[,] a)
    {
        var r = new double[a.GetLength(1), a.GetLength(0)];
        for (var i = 0; i < a.GetLength(0); i++)
        {
            for (var j = 0; j < a.GetLength(1); j++)
            {
                r[j, i] = a[i, j];
            }
        }

        return r;
    }

    private static double[,] Add(double[,] a, double[,] b)
    {
        var r = (double[,])a.Clone();
        for (var i = 0; i < a.GetLength(0); i++)
        {
            for (var j = 0; j < a.GetLength(1); j++)
            {
                r[i, j] += b[i, j];
            }
        }

        return r;
    }

    private static double[,] Sub(double[,] a, double[,] b)
    {
        var r = (double[,])a.Clone();
        for (var i = 0; i < a.GetLength(0); i++)
        {
            for (var j = 0; j < a.GetLength(1); j++)
            {
                r[i, j] -= b[i, j];
            }
        }

        return r;
    }

    private static double[,] Inverse(double[,] a)
    {
        // Gauss-Jordan without pivoting is fine for the SPD matrices used here.
        var n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var inv = Identity(n);
        for (var c = 0; c < n; c++)
        {
            var p = m[c, c];
            for (var j = 0; j < n; j++)
            {
                m[c, j] /= p;
                inv[c, j] /= p;
            }

            for (var r = 0; r < n; r++)
            {
                if (r == c)
                {
                    continue;
                }

                var f = m[r, c];
                for (var j = 0; j < n; j++)
                {
                    m[r, j] -= f * m[c, j];
                    inv[r, j] -= f * inv[c, j];
                }
            }
        }

        return inv;
    }
}
