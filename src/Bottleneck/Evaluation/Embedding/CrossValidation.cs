namespace Bottleneck.Evaluation;

/// <summary>
/// Stratified k-fold splits as scikit-learn's <c>StratifiedKFold(n_splits, shuffle=False)</c> makes them: classes are taken in
/// order of first appearance, the sorted class list is dealt round-robin to the folds to fix each fold's count of each
/// class, and within a class the points go to folds 0, 1, … in data order. Deterministic.
/// </summary>
public static class StratifiedKFold
{
    /// <summary>The test fold (0..splits−1) of every point.</summary>
    /// <param name="labels">Class of each point (length N).</param>
    /// <param name="splits">Number of folds (default 5, ≥ 2).</param>
    /// <exception cref="ArgumentException">splits &lt; 2, or the largest class has fewer than splits points (scikit-learn's rule).</exception>
    public static int[] TestFolds(ReadOnlySpan<int> labels, int splits = 5)
    {
        if (splits < 2) throw new ArgumentException($"folds must be ≥ 2, got {splits}");
        int n = labels.Length;
        // Encode by order of first appearance (scikit-learn's y_encoded).
        var order = new Dictionary<int, int>();
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (!order.TryGetValue(labels[i], out int c)) order[labels[i]] = c = order.Count;
            y[i] = c;
        }
        int classes = order.Count;
        var counts = new int[classes];
        foreach (var c in y) counts[c]++;
        if (counts.Max() < splits)
            throw new ArgumentException($"folds ({splits}) must be ≤ the number of points in the largest class ({counts.Max()})");
        var sorted = new int[n];
        for (int c = 0, at = 0; c < classes; c++) for (int r = 0; r < counts[c]; r++) sorted[at++] = c;
        var allocation = new int[splits, classes];
        for (int f = 0; f < splits; f++)
            for (int i = f; i < n; i += splits) allocation[f, sorted[i]]++;
        var folds = new int[n];
        var next = new int[classes];
        var left = new int[classes];
        for (int c = 0; c < classes; c++) left[c] = allocation[0, c];
        for (int i = 0; i < n; i++)
        {
            int c = y[i];
            while (left[c] == 0) { next[c]++; left[c] = allocation[next[c], c]; }
            folds[i] = next[c];
            left[c]--;
        }
        return folds;
    }

    /// <summary>Mean accuracy over the folds of a classifier fitted on the other folds (<c>cross_val_score</c>'s mean).</summary>
    /// <param name="labels">Class of each point (length N).</param>
    /// <param name="folds">Test fold of each point (from <see cref="TestFolds"/>).</param>
    /// <param name="fitPredict">Given the training and test row indices, returns the predicted class of each test row.</param>
    internal static double MeanAccuracy(ReadOnlySpan<int> labels, int[] folds, Func<int[], int[], int[]> fitPredict)
    {
        int splits = folds.Max() + 1;
        double total = 0;
        var y = labels.ToArray();
        for (int f = 0; f < splits; f++)
        {
            var test = Enumerable.Range(0, folds.Length).Where(i => folds[i] == f).ToArray();
            var train = Enumerable.Range(0, folds.Length).Where(i => folds[i] != f).ToArray();
            var predicted = fitPredict(train, test);
            int right = 0;
            for (int t = 0; t < test.Length; t++) if (predicted[t] == y[test[t]]) right++;
            total += (double)right / test.Length;
        }
        return total / splits;
    }
}

/// <summary>
/// k-nearest-neighbour classification in code space: a point takes the most common class among its k nearest training
/// points (Euclidean distance, uniform weights; a tie between classes goes to the smallest class value), as scikit-learn's
/// <c>KNeighborsClassifier(n_neighbors=k)</c>. Accuracy is estimated by stratified k-fold cross-validation.
/// </summary>
/// <remarks>Cover &amp; Hart, "Nearest neighbor pattern classification", IEEE Trans. Inf. Theory 1967.</remarks>
public static class KnnClassifier
{
    /// <summary>Cross-validated accuracy: mean over <paramref name="folds"/> stratified folds of the fraction of test points whose kNN vote is their label.</summary>
    /// <param name="codes">Points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="labels">Class of each point (length N).</param>
    /// <param name="neighbors">k (default 5).</param>
    /// <param name="folds">Folds of <see cref="StratifiedKFold"/> (default 5).</param>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, neighbors &lt; 1 or more than a fold's training points, or bad folds.</exception>
    public static double CrossValidatedAccuracy(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<int> labels, int neighbors = 5, int folds = 5)
    {
        int n = Points.Rows(codes, dim, 2);
        Points.CheckLabels(labels, n);
        if (neighbors < 1) throw new ArgumentException($"neighbors must be ≥ 1, got {neighbors}");
        var assignment = StratifiedKFold.TestFolds(labels, folds);
        var x = ClusteringMetrics.ToDouble(codes);
        var y = labels.ToArray();
        return StratifiedKFold.MeanAccuracy(labels, assignment, (train, test) => Predict(x, dim, y, train, test, neighbors));
    }

    /// <summary>kNN vote of each test row among the training rows.</summary>
    internal static int[] Predict(double[] x, int dim, int[] y, int[] train, int[] test, int k)
    {
        if (k > train.Length) throw new ArgumentException($"neighbors ({k}) must be ≤ the training points of a fold ({train.Length})");
        var predicted = new int[test.Length];
        Parallel.For(0, test.Length, () => (new double[k], new int[k], new Dictionary<int, int>()), (t, _, buf) =>
        {
            var (bestD, bestI, votes) = buf;
            var xt = x.AsSpan(test[t] * dim, dim);
            int filled = 0;
            foreach (var j in train)
            {
                double d = 0;
                var xj = x.AsSpan(j * dim, dim);
                for (int q = 0; q < dim; q++) { double u = xt[q] - xj[q]; d += u * u; }
                if (filled == k && d >= bestD[k - 1]) continue;
                int p = filled < k ? filled++ : k - 1;
                while (p > 0 && bestD[p - 1] > d) { bestD[p] = bestD[p - 1]; bestI[p] = bestI[p - 1]; p--; }
                bestD[p] = d;
                bestI[p] = j;
            }
            votes.Clear();
            for (int q = 0; q < k; q++) votes[y[bestI[q]]] = votes.GetValueOrDefault(y[bestI[q]]) + 1;
            int winner = int.MaxValue, most = 0;
            foreach (var (label, count) in votes)
                if (count > most || (count == most && label < winner)) { most = count; winner = label; }
            predicted[t] = winner;
            return buf;
        }, _ => { });
        return predicted;
    }
}
