namespace Scarlet.Tracking.Internal;

/// <summary>
/// Constant-velocity Kalman filter steps on small dense states, allocation-free. The state holds
/// <c>positionCount</c> measured components first, then velocities for the first <c>velocityCount</c> of them
/// (ByteTrack: 4 + 4 on (cx, cy, aspect, h); SORT: 4 + 3 on (cx, cy, area, aspect)). The measurement is the first
/// four components. Matrices are row-major <c>n x n</c>.
/// </summary>
internal static class KalmanMath
{
    /// <summary>x = F x; P = F P Fᵀ + diag(q). F adds velocity <c>i + 4</c> to component <c>i</c>.</summary>
    public static void Predict(Span<double> mean, Span<double> cov, int n, int velocityCount, ReadOnlySpan<double> q)
    {
        for (var i = 0; i < velocityCount; i++)
        {
            mean[i] += mean[i + 4];
        }

        // F P: row i gains row i+4.
        for (var i = 0; i < velocityCount; i++)
        {
            for (var j = 0; j < n; j++)
            {
                cov[(i * n) + j] += cov[((i + 4) * n) + j];
            }
        }

        // (F P) Fᵀ: column j gains column j+4.
        for (var r = 0; r < n; r++)
        {
            for (var j = 0; j < velocityCount; j++)
            {
                cov[(r * n) + j] += cov[(r * n) + j + 4];
            }
        }

        for (var i = 0; i < n; i++)
        {
            cov[(i * n) + i] += q[i];
        }
    }

    /// <summary>
    /// Measurement update with z = first four state components and R = diag(r):
    /// K = P Hᵀ S⁻¹, x += K (z − H x), P −= K S Kᵀ.
    /// </summary>
    public static void Update(Span<double> mean, Span<double> cov, int n, ReadOnlySpan<double> z, ReadOnlySpan<double> r)
    {
        // S = H P Hᵀ + R, factorised by Cholesky (S is symmetric positive definite).
        Span<double> l = stackalloc double[16];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = cov[(i * n) + j] + (i == j ? r[i] : 0);
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * 4) + k] * l[(j * 4) + k];
                }

                l[(i * 4) + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[(j * 4) + j];
            }
        }

        // X = P Hᵀ S⁻¹ (n x 4): solve S xᵢ = (P Hᵀ)ᵢ for each row i.
        Span<double> x = stackalloc double[8 * 4];
        Span<double> y = stackalloc double[4];
        for (var row = 0; row < n; row++)
        {
            for (var i = 0; i < 4; i++)
            {
                var sum = cov[(row * n) + i];
                for (var k = 0; k < i; k++)
                {
                    sum -= l[(i * 4) + k] * y[k];
                }

                y[i] = sum / l[(i * 4) + i];
            }

            for (var i = 3; i >= 0; i--)
            {
                var sum = y[i];
                for (var k = i + 1; k < 4; k++)
                {
                    sum -= l[(k * 4) + i] * x[(row * 4) + k];
                }

                x[(row * 4) + i] = sum / l[(i * 4) + i];
            }
        }

        Span<double> innovation = stackalloc double[4];
        for (var i = 0; i < 4; i++)
        {
            innovation[i] = z[i] - mean[i];
        }

        // P Hᵀ is read before P changes, so keep the first four columns.
        Span<double> pht = stackalloc double[8 * 4];
        for (var row = 0; row < n; row++)
        {
            for (var k = 0; k < 4; k++)
            {
                pht[(row * 4) + k] = cov[(row * n) + k];
            }
        }

        for (var row = 0; row < n; row++)
        {
            var dx = 0.0;
            for (var k = 0; k < 4; k++)
            {
                dx += x[(row * 4) + k] * innovation[k];
            }

            mean[row] += dx;
            for (var col = 0; col < n; col++)
            {
                var s = 0.0;
                for (var k = 0; k < 4; k++)
                {
                    s += x[(row * 4) + k] * pht[(col * 4) + k];
                }

                cov[(row * n) + col] -= s;
            }
        }
    }
}
