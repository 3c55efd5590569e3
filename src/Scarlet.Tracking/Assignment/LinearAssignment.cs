using Scarlet.Tracking.Internal;

namespace Scarlet.Tracking.Assignment;

/// <summary>
/// Exact rectangular linear assignment (minimum total cost), by the shortest-augmenting-path form of the
/// Jonker-Volgenant algorithm (Crouse 2016, the algorithm behind SciPy's <c>linear_sum_assignment</c>, including its
/// tie-breaking, so evaluation results match TrackEval's). O(n²m) for n ≤ m; buffers are reused between calls.
/// </summary>
/// <remarks>Not thread-safe: use one instance per thread.</remarks>
public sealed class LinearAssignment
{
    private double[] _u = [];
    private double[] _v = [];
    private double[] _shortest = [];
    private int[] _path = [];
    private int[] _col4Row = [];
    private int[] _row4Col = [];
    private bool[] _sr = [];
    private bool[] _sc = [];
    private int[] _remaining = [];
    private double[] _transposed = [];

    /// <summary>
    /// Solves the problem for a row-major <paramref name="rows"/> x <paramref name="cols"/> cost matrix.
    /// Every row is assigned when rows ≤ cols, every column otherwise.
    /// </summary>
    /// <param name="cost">Row-major costs; finite values (use a large finite cost for "never").</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="rowToCol">Receives, for each row, its column or -1; length ≥ <paramref name="rows"/>.</param>
    /// <returns>The number of assigned pairs, min(rows, cols).</returns>
    /// <exception cref="ArgumentException">Sizes do not fit, or a cost is NaN or infinite.</exception>
    public int Solve(ReadOnlySpan<double> cost, int rows, int cols, Span<int> rowToCol)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (cost.Length < rows * cols)
        {
            throw new ArgumentException($"The cost matrix needs {rows * cols} values, got {cost.Length}.", nameof(cost));
        }

        if (rowToCol.Length < rows)
        {
            throw new ArgumentException($"rowToCol needs {rows} slots.", nameof(rowToCol));
        }

        rowToCol[..rows].Fill(-1);
        if (rows == 0 || cols == 0)
        {
            return 0;
        }

        for (var k = 0; k < rows * cols; k++)
        {
            if (!double.IsFinite(cost[k]))
            {
                throw new ArgumentException("Costs must be finite.", nameof(cost));
            }
        }

        if (rows <= cols)
        {
            SolveWide(cost, rows, cols);
            for (var i = 0; i < rows; i++)
            {
                rowToCol[i] = _col4Row[i];
            }

            return rows;
        }

        // Tall matrix: solve the transpose, as SciPy does.
        Buffers.EnsureCapacity(ref _transposed, rows * cols);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                _transposed[(j * rows) + i] = cost[(i * cols) + j];
            }
        }

        SolveWide(_transposed.AsSpan(0, rows * cols), cols, rows);
        for (var j = 0; j < cols; j++)
        {
            rowToCol[_col4Row[j]] = j;
        }

        return cols;
    }

    private void SolveWide(ReadOnlySpan<double> cost, int nr, int nc)
    {
        Buffers.EnsureCapacity(ref _u, nr);
        Buffers.EnsureCapacity(ref _v, nc);
        Buffers.EnsureCapacity(ref _shortest, nc);
        Buffers.EnsureCapacity(ref _path, nc);
        Buffers.EnsureCapacity(ref _col4Row, nr);
        Buffers.EnsureCapacity(ref _row4Col, nc);
        Buffers.EnsureCapacity(ref _sr, nr);
        Buffers.EnsureCapacity(ref _sc, nc);
        Buffers.EnsureCapacity(ref _remaining, nc);
        Array.Clear(_u, 0, nr);
        Array.Clear(_v, 0, nc);
        Array.Fill(_path, -1, 0, nc);
        Array.Fill(_col4Row, -1, 0, nr);
        Array.Fill(_row4Col, -1, 0, nc);

        for (var curRow = 0; curRow < nr; curRow++)
        {
            var sink = AugmentingPath(cost, nc, curRow, out var minVal);
            if (sink < 0)
            {
                throw new InvalidOperationException("The assignment problem is infeasible.");
            }

            // Update the dual variables.
            _u[curRow] += minVal;
            for (var i = 0; i < nr; i++)
            {
                if (_sr[i] && i != curRow)
                {
                    _u[i] += minVal - _shortest[_col4Row[i]];
                }
            }

            for (var j = 0; j < nc; j++)
            {
                if (_sc[j])
                {
                    _v[j] -= minVal - _shortest[j];
                }
            }

            // Augment the previous solution along the path.
            var col = sink;
            while (true)
            {
                var row = _path[col];
                _row4Col[col] = row;
                (_col4Row[row], col) = (col, _col4Row[row]);
                if (row == curRow)
                {
                    break;
                }
            }
        }
    }

    private int AugmentingPath(ReadOnlySpan<double> cost, int nc, int startRow, out double minVal)
    {
        minVal = 0;
        var numRemaining = nc;
        for (var it = 0; it < nc; it++)
        {
            // Columns are visited in reverse order, as in SciPy, so ties resolve identically.
            _remaining[it] = nc - it - 1;
        }

        Array.Clear(_sr);
        Array.Clear(_sc);
        Array.Fill(_shortest, double.PositiveInfinity, 0, nc);
        var sink = -1;
        var i = startRow;
        while (sink == -1)
        {
            var index = -1;
            var lowest = double.PositiveInfinity;
            _sr[i] = true;
            var rowOffset = i * nc;
            var ui = _u[i];
            for (var it = 0; it < numRemaining; it++)
            {
                var j = _remaining[it];
                var r = minVal + cost[rowOffset + j] - ui - _v[j];
                if (r < _shortest[j])
                {
                    _path[j] = i;
                    _shortest[j] = r;
                }

                if (_shortest[j] < lowest || (_shortest[j] == lowest && _row4Col[j] == -1))
                {
                    lowest = _shortest[j];
                    index = it;
                }
            }

            minVal = lowest;
            if (double.IsPositiveInfinity(minVal))
            {
                return -1;
            }

            var jj = _remaining[index];
            if (_row4Col[jj] == -1)
            {
                sink = jj;
            }
            else
            {
                i = _row4Col[jj];
            }

            _sc[jj] = true;
            _remaining[index] = _remaining[--numRemaining];
        }

        return sink;
    }
}
