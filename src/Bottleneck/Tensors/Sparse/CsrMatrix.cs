namespace Bottleneck.Tensors;

/// <summary>
/// A sparse matrix in compressed sparse row (CSR) form, float32 values: row i holds the entries
/// <c>ColumnIndices[RowPointers[i] .. RowPointers[i+1])</c> with values <c>Values[…]</c>, columns ascending, no duplicates.
/// Immutable once built; used as a fixed operand (a graph's adjacency) of <see cref="Tensor.SparseMatMul"/>.
/// </summary>
/// <remarks>Shape legend: R rows, C columns, nnz stored entries. Memory: 4·(R + 1) + 8·nnz bytes (+ the same again for the
/// transpose, built on first use by a backward pass).</remarks>
public sealed class CsrMatrix
{
    private CsrMatrix? _transpose;

    private CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values)
    {
        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    /// <summary>R, the number of rows.</summary>
    public int Rows { get; }

    /// <summary>C, the number of columns.</summary>
    public int Columns { get; }

    /// <summary>Row start offsets, length R + 1; <c>RowPointers[R]</c> = nnz.</summary>
    public int[] RowPointers { get; }

    /// <summary>Column of each stored entry, length nnz, ascending within a row.</summary>
    public int[] ColumnIndices { get; }

    /// <summary>Value of each stored entry, length nnz.</summary>
    public float[] Values { get; }

    /// <summary>nnz, the number of stored entries.</summary>
    public int NonZeros => ColumnIndices.Length;

    /// <summary>
    /// Builds a matrix from coordinate triplets (row[k], column[k], value[k]); entries at the same position are summed
    /// (as <c>torch.sparse_coo_tensor(...).coalesce()</c> does).
    /// </summary>
    /// <param name="rows">R ≥ 0.</param>
    /// <param name="columns">C ≥ 0.</param>
    /// <param name="rowIndices">Row of each triplet, in [0, R).</param>
    /// <param name="columnIndices">Column of each triplet, in [0, C).</param>
    /// <param name="values">Value of each triplet; null = every value 1.</param>
    /// <exception cref="ArgumentException">Lengths differ or an index is out of range (the message names it).</exception>
    public static CsrMatrix FromCoordinates(int rows, int columns, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        int n = rowIndices.Length;
        if (columnIndices.Length != n || (!values.IsEmpty && values.Length != n))
            throw new ArgumentException($"coordinate lists differ in length: {n} rows, {columnIndices.Length} columns, {values.Length} values");
        var counts = new int[rows + 1];
        for (int k = 0; k < n; k++)
        {
            int r = rowIndices[k], c = columnIndices[k];
            if ((uint)r >= (uint)rows) throw new ArgumentException($"entry {k}: row {r} is outside [0, {rows})");
            if ((uint)c >= (uint)columns) throw new ArgumentException($"entry {k}: column {c} is outside [0, {columns})");
            counts[r + 1]++;
        }
        for (int i = 0; i < rows; i++) counts[i + 1] += counts[i];
        var cols = new int[n];
        var vals = new float[n];
        var next = (int[])counts.Clone();
        for (int k = 0; k < n; k++)
        {
            int at = next[rowIndices[k]]++;
            cols[at] = columnIndices[k];
            vals[at] = values.IsEmpty ? 1f : values[k];
        }
        // sort each row by column and merge duplicates
        var outPtr = new int[rows + 1];
        int write = 0;
        for (int i = 0; i < rows; i++)
        {
            int start = counts[i], end = counts[i + 1];
            Array.Sort(cols, vals, start, end - start);
            int rowStart = write;
            for (int k = start; k < end; k++)
            {
                if (write > rowStart && cols[write - 1] == cols[k]) vals[write - 1] += vals[k];
                else { cols[write] = cols[k]; vals[write] = vals[k]; write++; }
            }
            outPtr[i + 1] = write;
        }
        if (write < n) { Array.Resize(ref cols, write); Array.Resize(ref vals, write); }
        return new CsrMatrix(rows, columns, outPtr, cols, vals);
    }

    /// <summary>The R × R identity.</summary>
    /// <param name="size">R ≥ 0.</param>
    public static CsrMatrix Identity(int size)
    {
        var idx = new int[size];
        for (int i = 0; i < size; i++) idx[i] = i;
        return FromCoordinates(size, size, idx, idx);
    }

    /// <summary>
    /// The symmetrically normalized adjacency with self-loops of the GCN (Kipf &amp; Welling 2017, eq. 2):
    /// Ã = D^−½ (A + I) D^−½ with D_ii = Σ_j (A + I)_ij, for the undirected graph whose edges are (u[k], v[k]); each edge
    /// sets A_uv = A_vu = 1. Shape (N, N).
    /// </summary>
    /// <param name="nodes">N ≥ 1.</param>
    /// <param name="u">One end of each undirected edge, in [0, N).</param>
    /// <param name="v">The other end, in [0, N), ≠ u (self-loops are added by the +I).</param>
    /// <exception cref="ArgumentException">Lengths differ, an index is out of range, an edge is a self-loop or listed twice.</exception>
    public static CsrMatrix GcnNormalized(int nodes, ReadOnlySpan<int> u, ReadOnlySpan<int> v)
    {
        var a = AdjacencyWithSelfLoops(nodes, u, v);
        var dInvSqrt = new float[nodes];
        for (int i = 0; i < nodes; i++) dInvSqrt[i] = (float)(1.0 / Math.Sqrt(a.RowPointers[i + 1] - a.RowPointers[i]));
        var vals = new float[a.NonZeros];
        for (int i = 0; i < nodes; i++)
            for (int k = a.RowPointers[i]; k < a.RowPointers[i + 1]; k++)
                vals[k] = dInvSqrt[i] * dInvSqrt[a.ColumnIndices[k]];
        return new CsrMatrix(nodes, nodes, a.RowPointers, a.ColumnIndices, vals);
    }

    /// <summary>A + I as a 0/1 matrix for the undirected edges (u[k], v[k]): the labels of the GAE's full-adjacency loss. Shape (N, N).</summary>
    /// <param name="nodes">N ≥ 1.</param>
    /// <param name="u">One end of each undirected edge.</param>
    /// <param name="v">The other end, ≠ u.</param>
    /// <exception cref="ArgumentException">Lengths differ, an index is out of range, an edge is a self-loop or listed twice.</exception>
    public static CsrMatrix AdjacencyWithSelfLoops(int nodes, ReadOnlySpan<int> u, ReadOnlySpan<int> v)
    {
        if (u.Length != v.Length) throw new ArgumentException($"edge lists differ in length: {u.Length} vs {v.Length}");
        int e = u.Length;
        var rows = new int[2 * e + nodes];
        var cols = new int[2 * e + nodes];
        for (int k = 0; k < e; k++)
        {
            if (u[k] == v[k]) throw new ArgumentException($"edge {k} is a self-loop on node {u[k]}");
            rows[2 * k] = u[k]; cols[2 * k] = v[k];
            rows[2 * k + 1] = v[k]; cols[2 * k + 1] = u[k];
        }
        for (int i = 0; i < nodes; i++) { rows[2 * e + i] = i; cols[2 * e + i] = i; }
        var m = FromCoordinates(nodes, nodes, rows, cols);
        if (m.NonZeros != 2 * e + nodes) throw new ArgumentException($"the {e} edges list {(2 * e + nodes - m.NonZeros) / 2} pair(s) twice");
        return m;
    }

    /// <summary>The transpose (C × R), built once and cached.</summary>
    public CsrMatrix Transpose()
    {
        if (_transpose != null) return _transpose;
        var rows = new int[NonZeros];
        for (int i = 0; i < Rows; i++)
            for (int k = RowPointers[i]; k < RowPointers[i + 1]; k++) rows[k] = i;
        var t = FromCoordinates(Columns, Rows, ColumnIndices, rows, Values);
        t._transpose = this;
        return _transpose = t;
    }

    /// <summary>
    /// The stored (non-zero) entries of a dense row-major matrix (R × C) as CSR: for features that are mostly zeros (Cora's
    /// bag-of-words rows are 1.3 % ones), so that products cost O(nnz) instead of O(R·C).
    /// </summary>
    /// <param name="dense">Row-major values, length R·C.</param>
    /// <param name="rows">R.</param>
    /// <param name="columns">C.</param>
    /// <exception cref="ArgumentException">The length is not R·C.</exception>
    public static CsrMatrix FromDense(ReadOnlySpan<float> dense, int rows, int columns)
    {
        if (dense.Length != (long)rows * columns) throw new ArgumentException($"{dense.Length} values do not make a ({rows}, {columns}) matrix");
        var ptr = new int[rows + 1];
        var cols = new List<int>();
        var vals = new List<float>();
        for (int i = 0; i < rows; i++)
        {
            var row = dense.Slice(i * columns, columns);
            for (int j = 0; j < columns; j++)
                if (row[j] != 0) { cols.Add(j); vals.Add(row[j]); }
            ptr[i + 1] = cols.Count;
        }
        return new CsrMatrix(rows, columns, ptr, cols.ToArray(), vals.ToArray());
    }

    /// <summary>nnz / (R·C), the share of stored entries.</summary>
    public double Density => Rows == 0 || Columns == 0 ? 0 : (double)NonZeros / ((double)Rows * Columns);

    /// <summary>Whether the stored pattern and values equal the transpose's (computed once; square matrices only).</summary>
    public bool IsSymmetric => _symmetric ??= Rows == Columns && Transpose() is var t
        && t.RowPointers.AsSpan().SequenceEqual(RowPointers) && t.ColumnIndices.AsSpan().SequenceEqual(ColumnIndices) && t.Values.AsSpan().SequenceEqual(Values);

    private bool? _symmetric;

    /// <summary>The dense matrix, row-major R × C (for tests and small matrices).</summary>
    public float[] ToDense()
    {
        var d = new float[(long)Rows * Columns];
        for (int i = 0; i < Rows; i++)
            for (int k = RowPointers[i]; k < RowPointers[i + 1]; k++) d[(long)i * Columns + ColumnIndices[k]] += Values[k];
        return d;
    }

    /// <summary>Whether (row, column) is a stored entry (binary search in the row).</summary>
    /// <param name="row">In [0, R).</param>
    /// <param name="column">In [0, C).</param>
    public bool Contains(int row, int column) =>
        Array.BinarySearch(ColumnIndices, RowPointers[row], RowPointers[row + 1] - RowPointers[row], column) >= 0;

    /// <summary>
    /// Y = this · X for a dense row-major X (C × K) into Y (R × K), overwriting Y. Rows are split between threads when the
    /// product is large (nnz·K ≥ 2¹⁸).
    /// </summary>
    /// <param name="x">X, length C·K.</param>
    /// <param name="k">K, columns of X and Y.</param>
    /// <param name="y">Y, length R·K.</param>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public void Multiply(ReadOnlySpan<float> x, int k, Span<float> y)
    {
        if (x.Length != (long)Columns * k) throw new ArgumentException($"sparse matmul: dense operand has {x.Length} values, ({Columns}, {k}) needs {(long)Columns * k}");
        if (y.Length != (long)Rows * k) throw new ArgumentException($"sparse matmul: output has {y.Length} values, ({Rows}, {k}) needs {(long)Rows * k}");
        if ((long)NonZeros * k < 1 << 18 || Rows < 64)
        {
            MultiplyRows(0, Rows, x, k, y);
            return;
        }
        unsafe
        {
            fixed (float* px = x, py = y)
            {
                nint ax = (nint)px, ay = (nint)py;
                int xl = x.Length, yl = y.Length, blocks = Math.Min(Environment.ProcessorCount * 4, Rows);
                Parallel.For(0, blocks, b =>
                {
                    int r0 = (int)((long)Rows * b / blocks), r1 = (int)((long)Rows * (b + 1) / blocks);
                    MultiplyRows(r0, r1, new ReadOnlySpan<float>((float*)ax, xl), k, new Span<float>((float*)ay, yl));
                });
            }
        }
    }

    private void MultiplyRows(int r0, int r1, ReadOnlySpan<float> x, int k, Span<float> y)
    {
        for (int i = r0; i < r1; i++)
        {
            var yi = y.Slice(i * k, k);
            yi.Clear();
            for (int p = RowPointers[i]; p < RowPointers[i + 1]; p++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x.Slice(ColumnIndices[p] * k, k), Values[p], yi, yi);
        }
    }
}
