namespace Bottleneck.Evaluation;

/// <summary>
/// A point-region quadtree over 2-D points for Barnes-Hut t-SNE: each cell keeps its point count and centre of mass; a leaf
/// holds one position (identical points share a leaf). Rebuilt every iteration into reused arrays; built serially, queried
/// in parallel without writes.
/// </summary>
/// <remarks>Barnes &amp; Hut, "A hierarchical O(N log N) force-calculation algorithm", Nature 1986; van der Maaten, JMLR 2014.</remarks>
internal sealed class QuadTree
{
    /// <summary>Deepest subdivision; below it a cell is a leaf holding nearly identical points.</summary>
    private const int MaxDepth = 48;

    /// <summary>Stack size a <see cref="Repulsion"/> query needs (3 pending siblings per level + 4).</summary>
    public const int MaxStack = 4 * MaxDepth + 8;

    private int count;
    private double[] cx, cy, half, massX, massY, comX, comY, width2;
    private int[] size, firstChild, depth;

    public QuadTree(int points)
    {
        int capacity = Math.Max(16, 4 * points);
        cx = new double[capacity]; cy = new double[capacity]; half = new double[capacity];
        massX = new double[capacity]; massY = new double[capacity];
        comX = new double[capacity]; comY = new double[capacity]; width2 = new double[capacity];
        size = new int[capacity]; firstChild = new int[capacity]; depth = new int[capacity];
    }

    /// <summary>Rebuilds the tree over <paramref name="y"/> (N points as x, y pairs).</summary>
    public void Build(double[] y)
    {
        int n = y.Length / 2;
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            minX = Math.Min(minX, y[2 * i]); maxX = Math.Max(maxX, y[2 * i]);
            minY = Math.Min(minY, y[2 * i + 1]); maxY = Math.Max(maxY, y[2 * i + 1]);
        }
        count = 0;
        double h = Math.Max(Math.Max(maxX - minX, maxY - minY) / 2 * (1 + 1e-6), 1e-12);
        NewCell((minX + maxX) / 2, (minY + maxY) / 2, h, 0);
        for (int i = 0; i < n; i++) Insert(y[2 * i], y[2 * i + 1]);
        for (int c = 0; c < count; c++)
        {
            int s = Math.Max(size[c], 1);
            comX[c] = massX[c] / s;
            comY[c] = massY[c] / s;
            width2[c] = 4 * half[c] * half[c];
        }
    }

    private int NewCell(double x, double y, double h, int d)
    {
        if (count + 4 > cx.Length) Grow();
        int c = count++;
        cx[c] = x; cy[c] = y; half[c] = h; depth[c] = d;
        size[c] = 0; massX[c] = 0; massY[c] = 0; firstChild[c] = -1;
        return c;
    }

    private void Grow()
    {
        int cap = cx.Length * 2;
        Array.Resize(ref cx, cap); Array.Resize(ref cy, cap); Array.Resize(ref half, cap);
        Array.Resize(ref massX, cap); Array.Resize(ref massY, cap);
        Array.Resize(ref comX, cap); Array.Resize(ref comY, cap); Array.Resize(ref width2, cap);
        Array.Resize(ref size, cap); Array.Resize(ref firstChild, cap); Array.Resize(ref depth, cap);
    }

    private void Insert(double x, double y)
    {
        int c = 0;
        while (true)
        {
            if (firstChild[c] < 0)
            {
                // Leaf: empty, the same position (or too deep to split), or split it and push the old points down.
                if (size[c] == 0 || depth[c] >= MaxDepth || (massX[c] / size[c] == x && massY[c] / size[c] == y))
                {
                    size[c]++; massX[c] += x; massY[c] += y;
                    return;
                }
                double ox = massX[c] / size[c], oy = massY[c] / size[c];
                int oldSize = size[c];
                double h = half[c] / 2;
                int first = count;
                for (int q = 0; q < 4; q++)
                    NewCell(cx[c] + ((q & 1) != 0 ? h : -h), cy[c] + ((q & 2) != 0 ? h : -h), h, depth[c] + 1);
                firstChild[c] = first;
                int oc = first + Quadrant(c, ox, oy);
                size[oc] = oldSize; massX[oc] = ox * oldSize; massY[oc] = oy * oldSize;
            }
            size[c]++; massX[c] += x; massY[c] += y;
            c = firstChild[c] + Quadrant(c, x, y);
        }
    }

    private int Quadrant(int c, double x, double y) => (x > cx[c] ? 1 : 0) | (y > cy[c] ? 2 : 0);

    /// <summary>
    /// Repulsive force on a point at (x, y): Σ over summarized cells of size·q²·(y − centre of mass), q = 1 / (1 + d²), and the
    /// unnormalized Σ q (Z's share of this point). A cell is summarized when it is a leaf or (its width)² &lt; θ²·d²; the point's
    /// own leaf contributes its other points only (d = 0 there).
    /// </summary>
    public (double F0, double F1, double SumQ) Repulsion(double x, double y, double theta2, int[] stack)
    {
        double f0 = 0, f1 = 0, sq = 0;
        int top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            int c = stack[--top];
            int s = size[c];
            if (s == 0) continue;
            double dx = x - comX[c], dy = y - comY[c], d2 = dx * dx + dy * dy;
            bool leaf = firstChild[c] < 0;
            if (leaf || width2[c] < theta2 * d2)
            {
                if (leaf && d2 == 0) s--;   // the point itself (and its duplicates, which add q = 1 and no force)
                if (s == 0) continue;
                double q = 1.0 / (1.0 + d2);
                sq += s * q;
                double m = s * q * q;
                f0 += m * dx;
                f1 += m * dy;
            }
            else
            {
                int first = firstChild[c];
                for (int k = 0; k < 4; k++) if (size[first + k] > 0) stack[top++] = first + k;
            }
        }
        return (f0, f1, sq);
    }
}
