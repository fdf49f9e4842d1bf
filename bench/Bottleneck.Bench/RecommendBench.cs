using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Recommendation;
using Bottleneck.Tensors;
using Bottleneck.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Bench;

/// <summary>
/// Collaborative filtering on MovieLens-100K (../shared/data/movielens-100k, read in place, never copied):
/// <c>recommend autorec</c>: I-AutoRec 943-500-943 on u1.base / u1.test, Rprop full batch, λ chosen on a 5% validation split of
/// u1.base from --lambdas (default 30 100 300 1000), then refit on all of u1.base per seed: u1.test RMSE beside the global mean
/// and the user+item bias baseline (Surprise's BaselineOnly: regularised ALS, reg_u 15, reg_i 10, 10 sweeps) — the protocol of
/// ../shared/peers/autorec_ml100k.py (one λ given: no selection). <c>--optimizer adam</c> trains with Adam 1e-3 on batches of 64
/// rows instead; <c>--orientation user</c> is U-AutoRec (a row per user over the items).
/// <c>recommend implicit</c>: u.data with ratings ≥ 4 as clicks, Liang et al.'s strong generalization (users shuffled with the
/// seed, --val-users 100 and --test-users 200 held out; 80% of each held-out user's items folded in, 20% scored): NDCG@100,
/// Recall@20 and Recall@50 of Mult-VAE and Mult-DAE (the epoch with the best validation NDCG@100 kept) beside the popularity
/// (item bias) baseline, item-kNN (cosine, --knn neighbours) and EASE (Steck 2019, λ chosen on the validation users), the
/// baselines written with MathNet.Numerics.
/// Options: --seeds 0 1 2 (autorec) or --seed S, --epochs E, --threads N; implicit: --no-baselines (the Mult models only),
/// --betas 0.1 0.2 0.4 (Mult-VAE's β_max chosen by validation NDCG@100; default 0.2).
/// </summary>
public static class RecommendBench
{
    public static int Run(string[] args)
    {
        string what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "autorec";
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        var dir = DataDirectory.Find("movielens-100k");
        if (dir is null) { Console.Error.WriteLine("recommend: MovieLens-100K not found (../shared/data/movielens-100k); nothing to measure"); return 2; }
        Console.WriteLine($"recommend {what}: backend {Gemm.Describe()}");
        return what switch
        {
            "autorec" => AutoRec(args, dir),
            "implicit" => Implicit(args, dir),
            _ => Usage(what),
        };
    }

    private static int Usage(string what)
    {
        Console.Error.WriteLine($"recommend: unknown protocol '{what}'; use autorec or implicit");
        return 2;
    }

    private static string F(double v, int digits = 4) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static List<string> ListArg(string[] a, string name, string[] def)
    {
        int i = Array.IndexOf(a, name);
        if (i < 0) return [.. def];
        var list = new List<string>();
        for (int j = i + 1; j < a.Length && !a[j].StartsWith("--", StringComparison.Ordinal); j++) list.Add(a[j]);
        return list;
    }

    // ------------------------------------------------------------------ explicit ratings: AutoRec

    private static int AutoRec(string[] args, string dir)
    {
        var options = new RatingsOptions(ScaleMin: 1, ScaleMax: 5);
        var baseTable = RatingsTable.Load(Path.Combine(dir, "u1.base"), options);
        var testTable = RatingsTable.Load(Path.Combine(dir, "u1.test"), options);
        int epochs = DenseBench.IntArg(args, "--epochs", 200);
        string optimizer = DenseBench.StrArg(args, "--optimizer", "rprop");
        var lambdas = ListArg(args, "--lambdas", ["30", "100", "300", "1000"]).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var seeds = ListArg(args, "--seeds", ["0", "1", "2"]).Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray();

        var full = RatingMatrix.From(baseTable);
        double globalMean = full.Values.Average(v => (double)v);
        double rmseMean = RankingMetrics.Rmse(testTable.Rows.Select(_ => (float)globalMean).ToArray(), testTable.Rows.Select(r => r.Value).ToArray());
        double rmseBias = BiasRmse(full, testTable);
        Console.WriteLine($"u1: {full.Count} training ratings, {testTable.Rows.Count} test; global mean RMSE {F(rmseMean)}, user+item biases RMSE {F(rmseBias)}");

        // λ on a 5% validation split of u1.base (seeded with the first seed), validation RMSE after the same epochs
        var rng = new Rng(seeds[0]);
        var isVal = Enumerable.Range(0, baseTable.Rows.Count).Select(_ => rng.NextDouble() < 0.05).ToArray();
        var fitTable = RatingsTable.FromRows(baseTable.Rows.Where((_, k) => !isVal[k]), options, "u1.base (95%)");
        var valTable = RatingsTable.FromRows(baseTable.Rows.Where((_, k) => isVal[k]), options, "u1.base (5% validation)");
        var orientation = DenseBench.StrArg(args, "--orientation", "item") == "user" ? AutoRecOrientation.User : AutoRecOrientation.Item;
        var grid = new Dictionary<float, double>();
        foreach (float lambda in lambdas.Length > 1 ? lambdas : [])   // one λ given: no selection to make
        {
            var m = RatingMatrix.From(fitTable);
            var (model, secs) = FitAutoRec(m, lambda, epochs, seeds[0], optimizer, orientation);
            grid[lambda] = RecommendationEvaluator.Rmse(model, m, valTable, 1, 5).Rmse;
            Console.WriteLine($"  lambda {lambda}: validation RMSE {F(grid[lambda])} ({F(secs, 1)} s)");
        }
        float best = grid.Count > 0 ? grid.MinBy(kv => kv.Value).Key : lambdas[0];
        var rmses = new List<double>();
        var seconds = new List<double>();
        foreach (var seed in seeds)
        {
            var (model, secs) = FitAutoRec(full, best, epochs, seed, optimizer, orientation);
            var report = RecommendationEvaluator.Rmse(model, full, testTable, 1, 5);
            rmses.Add(report.Rmse);
            seconds.Add(secs);
            Console.WriteLine($"  seed {seed}: lambda {best} u1.test RMSE {F(report.Rmse)} ({report.Fallbacks} pairs with an unseen user or item predicted {report.Fallback}); {F(secs, 1)} s");
        }
        double mean = rmses.Average(), sd = rmses.Count > 1 ? Math.Sqrt(rmses.Sum(v => (v - mean) * (v - mean)) / (rmses.Count - 1)) : 0;
        Console.WriteLine();
        Console.WriteLine("| model | u1.test RMSE | seconds per fit |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| global mean | {F(rmseMean)} | |");
        Console.WriteLine($"| user+item biases | {F(rmseBias)} | |");
        Console.WriteLine($"| {(orientation == AutoRecOrientation.Item ? "I" : "U")}-AutoRec ({optimizer}, λ {best}, {epochs} epochs) | {F(mean)} ± {F(sd)} ({rmses.Count} seeds) | {F(seconds.Average(), 1)} |");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            suite = "recommend-autorec", orientation = orientation.ToString().ToLowerInvariant(), optimizer, epochs, lambda = best, lambdaGrid = grid.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => Math.Round(kv.Value, 4)),
            rmse = Math.Round(mean, 4), sd = Math.Round(sd, 4), perSeed = rmses.Select(v => Math.Round(v, 4)), rmseGlobalMean = Math.Round(rmseMean, 4),
            rmseBias = Math.Round(rmseBias, 4), secondsPerFit = Math.Round(seconds.Average(), 2),
        }));
        return 0;
    }

    private static (AutoencoderModel Model, double Seconds) FitAutoRec(RatingMatrix train, float lambda, int epochs, ulong seed, string optimizer,
        AutoRecOrientation orientation)
    {
        bool byItem = orientation == AutoRecOrientation.Item;
        int rows = byItem ? train.Items.Count : train.Users.Count;
        var config = new AutoRecConfig(byItem ? train.Users.Count : train.Items.Count, 500, lambda, rows: rows, orientation: orientation);
        var model = RecommendationModels.AutoRec(config, new Rng(seed));
        bool rprop = optimizer == "rprop";
        var options = new TrainingOptions(epochs: epochs, batchSize: rprop ? rows : 64, optimizer: optimizer,
            learningRate: rprop ? 0.01f : 1e-3f, seed: seed);
        var sw = Stopwatch.StartNew();
        new Trainer(options).Fit(model, RatingRows.For(model, train), null, new FitContext());
        return (model, sw.Elapsed.TotalSeconds);
    }

    /// <summary>μ + b_u + b_i by regularised alternating least squares (Surprise's BaselineOnly defaults), clipped to [1, 5]; unseen ids get bias 0.</summary>
    private static double BiasRmse(RatingMatrix train, RatingsTable test)
    {
        var (mu, bu, bi) = Biases(train, 15, 10, 10);
        var pred = new float[test.Rows.Count];
        var truth = new float[test.Rows.Count];
        for (int k = 0; k < pred.Length; k++)
        {
            var r = test.Rows[k];
            int u = train.Users.IndexOf(r.User), i = train.Items.IndexOf(r.Item);
            pred[k] = (float)Math.Clamp(mu + (u >= 0 ? bu[u] : 0) + (i >= 0 ? bi[i] : 0), 1, 5);
            truth[k] = r.Value;
        }
        return RankingMetrics.Rmse(pred, truth);
    }

    private static (double Mu, Vector<double> Bu, Vector<double> Bi) Biases(RatingMatrix m, double regU, double regI, int sweeps)
    {
        double mu = m.Values.Average(v => (double)v);
        var bu = Vector<double>.Build.Dense(m.Users.Count);
        var bi = Vector<double>.Build.Dense(m.Items.Count);
        var countU = Vector<double>.Build.Dense(m.Users.Count);
        var countI = Vector<double>.Build.Dense(m.Items.Count);
        for (int k = 0; k < m.Count; k++) { countU[m.UserIndex[k]]++; countI[m.ItemIndex[k]]++; }
        for (int s = 0; s < sweeps; s++)
        {
            var sumU = Vector<double>.Build.Dense(m.Users.Count);
            for (int k = 0; k < m.Count; k++) sumU[m.UserIndex[k]] += m.Values[k] - mu - bi[m.ItemIndex[k]];
            bu = sumU.PointwiseDivide(countU + regU);
            var sumI = Vector<double>.Build.Dense(m.Items.Count);
            for (int k = 0; k < m.Count; k++) sumI[m.ItemIndex[k]] += m.Values[k] - mu - bu[m.UserIndex[k]];
            bi = sumI.PointwiseDivide(countI + regI);
        }
        return (mu, bu, bi);
    }

    // ------------------------------------------------------------------ implicit feedback: Mult-VAE, Mult-DAE and baselines

    private static int Implicit(string[] args, string dir)
    {
        ulong seed = ulong.Parse(DenseBench.StrArg(args, "--seed", "0"), CultureInfo.InvariantCulture);
        int epochs = DenseBench.IntArg(args, "--epochs", 100);
        int valUsers = DenseBench.IntArg(args, "--val-users", 100), testUsers = DenseBench.IntArg(args, "--test-users", 200);
        int knn = DenseBench.IntArg(args, "--knn", 100);
        var table = RatingsTable.Load(Path.Combine(dir, "u.data"), new RatingsOptions(ImplicitThreshold: 4, ScaleMin: 1, ScaleMax: 5));
        var (train, validation, test, unknown) = StrongGeneralization.Split(table, valUsers, testUsers, seed);
        Console.WriteLine($"u.data, ratings ≥ 4 as clicks: {table.Rows.Count} clicks ({table.Dropped} lower ratings dropped); {train.Users.Count} training users × " +
                          $"{train.Items.Count} items, {validation.ScoredUsers} validation and {test.ScoredUsers} test users scored; " +
                          $"{unknown} held-out clicks on items no training user clicked dropped; seed {seed}");
        var rows = new List<(string Name, RankingReport Report, string Note)>();
        bool baselines = !args.Contains("--no-baselines");
        if (baselines)
        {
            // popularity: the item bias of μ + b_u + b_i fitted to the 0/1 matrix (a user's bias does not change their ranking)
            var popularity = Vector<double>.Build.Dense(train.Items.Count);
            for (int k = 0; k < train.Count; k++) popularity[train.ItemIndex[k]]++;
            rows.Add(("popularity (item bias)", Baseline(test, (x, _) => RowOf(popularity, x.RowCount)), ""));

            // item-kNN: cosine similarities between item columns, the k most similar neighbours of each item kept
            var xTrain = Dense(train);
            var similarity = ItemKnn(xTrain, knn);
            rows.Add(($"item-kNN (cosine, {knn} neighbours)", Baseline(test, (x, _) => x * similarity), ""));

            // EASE: B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, diag B = 0; λ by validation NDCG@100
            var gram = xTrain.TransposeThisAndMultiply(xTrain);
            double bestLambda = 0, bestNdcg = -1;
            Matrix<double>? bestB = null;
            foreach (double lambda in new[] { 10.0, 50.0, 100.0, 200.0, 500.0 })
            {
                var b = Ease(gram, lambda);
                double ndcg = Baseline(validation, (x, _) => x * b).NdcgAt100;
                Console.WriteLine($"  EASE lambda {lambda}: validation NDCG@100 {F(ndcg)}");
                if (ndcg > bestNdcg) { bestNdcg = ndcg; bestLambda = lambda; bestB = b; }
            }
            rows.Add(($"EASE (λ {bestLambda})", Baseline(test, (x, _) => x * bestB!), ""));
        }

        // Mult-DAE and Mult-VAE: D-600-200-600-D, dropout 0.5, Adam 1e-3, batch 100; best epoch by validation NDCG@100;
        // Mult-VAE's β_max chosen from --betas (default the paper's 0.2) by validation NDCG@100
        var betas = ListArg(args, "--betas", ["0.2"]).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var dae = new MultConfig(train.Items.Count, [600], 200, variational: false, dropout: 0.5f, l2: 0.01f / 100);
        var candidates = new List<MultConfig> { dae };
        candidates.AddRange(betas.Select(b => new MultConfig(train.Items.Count, [600], 200, variational: true, dropout: 0.5f, beta: b,
            klSchedule: new KlSchedule(KlScheduleKind.Linear, Epochs: Math.Max(1, epochs / 2)))));
        (string Name, RankingReport Report, string Note, double Validation)? bestVae = null;
        foreach (var config in candidates)
        {
            var model = RecommendationModels.Mult(config, new Rng(seed));
            var (bestEpoch, valNdcg, seconds) = FitKeepingBest(model, train, validation, epochs, seed);
            var report = RecommendationEvaluator.Ranking(model, test);
            string name = config.Variational ? $"mult-vae (β_max {config.Beta}, best epoch {bestEpoch} of {epochs})" : $"mult-dae (best epoch {bestEpoch} of {epochs})";
            string note = $"validation NDCG@100 {F(valNdcg)}, {F(seconds, 1)} s";
            if (!config.Variational) rows.Add((name, report, note));
            else
            {
                Console.WriteLine($"  {name}: validation NDCG@100 {F(valNdcg)}, test NDCG@100 {F(report.NdcgAt100)}");
                if (bestVae is null || valNdcg > bestVae.Value.Validation) bestVae = (name, report, note, valNdcg);
            }
        }
        rows.Add((bestVae!.Value.Name + (betas.Length > 1 ? " (β_max chosen on validation)" : ""), bestVae.Value.Report, bestVae.Value.Note));

        Console.WriteLine();
        Console.WriteLine($"| model | NDCG@100 | Recall@20 | Recall@50 | test users |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, r, note) in rows)
            Console.WriteLine($"| {name} | {F(r.NdcgAt100)} | {F(r.RecallAt20)} | {F(r.RecallAt50)} | {r.Users} |" + (note.Length > 0 ? $" {note}" : ""));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            suite = "recommend-implicit", seed, epochs, valUsers, testUsers, trainUsers = train.Users.Count, items = train.Items.Count,
            results = rows.Select(r => new { model = r.Name, ndcgAt100 = Math.Round(r.Report.NdcgAt100, 4), recallAt20 = Math.Round(r.Report.RecallAt20, 4),
                recallAt50 = Math.Round(r.Report.RecallAt50, 4), users = r.Report.Users }),
        }));
        return 0;
    }

    /// <summary>Trains with Adam, evaluating validation NDCG@100 after every epoch and restoring the best epoch's weights.</summary>
    private static (int BestEpoch, double Ndcg, double Seconds) FitKeepingBest(AutoencoderModel model, RatingMatrix train, HeldOutUsers validation, int epochs, ulong seed)
    {
        int bestEpoch = 0;
        double best = -1;
        Dictionary<string, (int[] Shape, float[] Data)>? bestState = null;
        var progress = new SyncProgress(p =>
        {
            if (p.Completed is not { } c) return;
            double ndcg = RecommendationEvaluator.Ranking(model, validation).NdcgAt100;
            if (ndcg > best)
            {
                best = ndcg; bestEpoch = c.Epoch;
                bestState = model.StateDict().ToDictionary(e => e.Name, e => (e.Value.ShapeToArray(), e.Value.ToArray()));
            }
            if (c.Epoch % 10 == 0) Console.Error.WriteLine($"  {model.Config.Kind} epoch {c.Epoch}: loss {c.TrainLoss:F2} ({c.Terms}), validation NDCG@100 {ndcg:F4}");
        });
        var sw = Stopwatch.StartNew();
        new Trainer(new TrainingOptions(epochs: epochs, batchSize: 100, learningRate: 1e-3f, seed: seed))
            .Fit(model, RatingRows.For(model, train), null, new FitContext(progress));
        double seconds = sw.Elapsed.TotalSeconds;
        if (bestState != null) model.LoadStateDict(bestState);
        return (bestEpoch, best, seconds);
    }


    /// <summary>The 0/1 users × items matrix.</summary>
    private static Matrix<double> Dense(RatingMatrix m)
    {
        var x = Matrix<double>.Build.Dense(m.Users.Count, m.Items.Count);
        for (int k = 0; k < m.Count; k++) x[m.UserIndex[k], m.ItemIndex[k]] = m.Values[k];
        return x;
    }

    private static Matrix<double> RowOf(Vector<double> v, int rows) => Matrix<double>.Build.Dense(rows, v.Count, (_, j) => v[j]);

    /// <summary>Scores the held-out users' fold-in rows with <paramref name="score"/> (fold-in matrix → scores) and ranks them.</summary>
    private static RankingReport Baseline(HeldOutUsers users, Func<Matrix<double>, HeldOutUsers, Matrix<double>> score)
    {
        var s = score(Dense(users.FoldIn), users);
        var scores = new float[s.RowCount * s.ColumnCount];
        for (int u = 0; u < s.RowCount; u++)
            for (int i = 0; i < s.ColumnCount; i++) scores[u * s.ColumnCount + i] = (float)s[u, i];
        return RankingMetrics.Evaluate(scores, s.ColumnCount, users.FoldIn.ItemsByUser(), users.Scored.ItemsByUser());
    }

    /// <summary>Cosine similarity between item columns with a zero diagonal, each column keeping its k largest entries.</summary>
    private static Matrix<double> ItemKnn(Matrix<double> x, int k)
    {
        var gram = x.TransposeThisAndMultiply(x);
        int n = gram.RowCount;
        var norms = Vector<double>.Build.Dense(n, i => Math.Sqrt(gram[i, i]));
        var s = Matrix<double>.Build.Dense(n, n);
        for (int j = 0; j < n; j++)
        {
            var column = Enumerable.Range(0, n).Where(i => i != j && norms[i] > 0 && norms[j] > 0)
                .Select(i => (i, sim: gram[i, j] / (norms[i] * norms[j]))).OrderByDescending(t => t.sim).Take(k);
            foreach (var (i, sim) in column) s[i, j] = sim;
        }
        return s;
    }

    /// <summary>EASE's closed form (Steck 2019, eq. 8): B = I − P·diag(1/diag P) with P = (G + λI)⁻¹, so diag B = 0.</summary>
    private static Matrix<double> Ease(Matrix<double> gram, double lambda)
    {
        var p = (gram + Matrix<double>.Build.DenseIdentity(gram.RowCount) * lambda).Inverse();
        var b = Matrix<double>.Build.Dense(p.RowCount, p.ColumnCount, (i, j) => i == j ? 0 : -p[i, j] / p[j, j]);
        return b;
    }
}
