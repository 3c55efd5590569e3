using Scarlet.Vision;

namespace Scarlet.Tracking.Geometry;

/// <summary>
/// Maps image points to floor-plan coordinates with a plane homography computed from four point pairs (direct
/// linear transform, h33 = 1, solved by Gaussian elimination with partial pivoting).
/// </summary>
public sealed class CameraHomography
{
    private readonly double[] _h = new double[9];

    /// <summary>Creates the mapping from four image points and the floor-plan points they correspond to.</summary>
    /// <param name="image">Four image points, no three collinear.</param>
    /// <param name="floor">The four matching floor-plan points.</param>
    /// <exception cref="ArgumentException">Not four pairs each, or a degenerate configuration.</exception>
    public CameraHomography(IReadOnlyList<PointF> image, IReadOnlyList<PointF> floor)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(floor);
        if (image.Count != 4 || floor.Count != 4)
        {
            throw new ArgumentException("A homography needs exactly four point pairs.", nameof(image));
        }

        // Unknowns h11..h32 (8). Each pair gives two rows:
        // x' = (h11 x + h12 y + h13) / (h31 x + h32 y + 1), y' likewise.
        var a = new double[8, 9];
        for (var i = 0; i < 4; i++)
        {
            double x = image[i].X, y = image[i].Y, u = floor[i].X, v = floor[i].Y;
            double[] r1 = [x, y, 1, 0, 0, 0, -x * u, -y * u, u];
            double[] r2 = [0, 0, 0, x, y, 1, -x * v, -y * v, v];
            for (var c = 0; c < 9; c++)
            {
                a[2 * i, c] = r1[c];
                a[(2 * i) + 1, c] = r2[c];
            }
        }

        for (var col = 0; col < 8; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < 8; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-12)
            {
                throw new ArgumentException("The four point pairs are degenerate (three collinear points?).", nameof(image));
            }

            for (var c = 0; c < 9; c++)
            {
                (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            }

            for (var r = 0; r < 8; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var f = a[r, col] / a[col, col];
                for (var c = col; c < 9; c++)
                {
                    a[r, c] -= f * a[col, c];
                }
            }
        }

        for (var i = 0; i < 8; i++)
        {
            _h[i] = a[i, 8] / a[i, i];
        }

        _h[8] = 1;
    }

    /// <summary>Gets the 3x3 matrix, row-major.</summary>
    public IReadOnlyList<double> Matrix => _h;

    /// <summary>Maps an image point to the floor plan.</summary>
    /// <param name="p">The image point.</param>
    /// <returns>The floor-plan point.</returns>
    /// <exception cref="ArgumentException">The point maps to infinity (it lies on the horizon line).</exception>
    public PointF Map(PointF p)
    {
        var w = (_h[6] * p.X) + (_h[7] * p.Y) + _h[8];
        if (Math.Abs(w) < 1e-12)
        {
            throw new ArgumentException("The point lies on the horizon of the floor plane.", nameof(p));
        }

        return new PointF(
            (float)(((_h[0] * p.X) + (_h[1] * p.Y) + _h[2]) / w),
            (float)(((_h[3] * p.X) + (_h[4] * p.Y) + _h[5]) / w));
    }
}
