using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Models.Pca;

/// <summary>Configuration of the PCA baseline: project onto the top <see cref="Components"/> principal directions.</summary>
public sealed record PcaConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration.</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="components">k, the number of principal components kept, 1 ≤ k ≤ D.</param>
    /// <exception cref="ArgumentOutOfRangeException">D &lt; 1, k &lt; 1 or k &gt; D.</exception>
    public PcaConfig(int inputDim, int components)
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Components = AtLeastOne(components, nameof(components)) <= inputDim ? components
            : throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be ≤ inputDim ({inputDim}), got {components}");
    }

    /// <inheritdoc/>
    public override string Kind => "pca";
    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>k, the number of principal components (the code width).</summary>
    public int Components { get; }
    /// <inheritdoc/>
    public override int LatentDim => Components;
    /// <summary>Always <see cref="Reconstruction.LinearMse"/>: PCA minimises squared error.</summary>
    public override Reconstruction Output => Reconstruction.LinearMse;
}

/// <summary>
/// Principal component analysis as an autoencoder with a linear encoder and a tied linear decoder:
/// z = (x − μ)·Vₖᵀ, x̂ = z·Vₖ + μ, where μ is the training mean (D) and Vₖ (k, D) holds the top-k principal directions as
/// orthonormal rows. Among all rank-k affine reconstructions it minimises the squared error (Eckart–Young), so it is the
/// baseline a linear autoencoder converges to and deep autoencoders are compared with (Hinton &amp; Salakhutdinov, Science 2006).
/// </summary>
/// <remarks>
/// <para>Training: PCA is <b>fitted in closed form by <see cref="Fit"/></b>, not by the <see cref="Training.Trainer"/>.
/// μ and Vₖ are registered as parameters (state-dict names <c>mean</c> (D) and <c>components</c> (k, D)) so the generic machinery
/// (model files, evaluation, even gradient fine-tuning) works unchanged; <see cref="AutoencoderModel.Compute"/> returns the
/// squared error per sample summed over features (averaged over the batch).</para>
/// <para>Algorithm: for N ≥ D, the covariance C = Σ(x−μ)(x−μ)ᵀ/(N−1) is accumulated in double from float32 GEMM blocks of
/// 2048 rows (O(N·D²) flops, the GEMM backend's speed) and its symmetric eigendecomposition taken with MathNet.Numerics
/// (O(D³); 784×784 takes well under a second). Squaring the condition number only affects the small trailing eigenvalues, not
/// the leading directions kept. For N &lt; D it takes the thin SVD of the centered data in double instead (O(N²·D)).
/// For MNIST (60000×784) the covariance route takes a few seconds on 2 cores.</para>
/// <para>Signs are fixed so each component's largest-magnitude entry is positive. Buffers <c>explained_variance</c> (k) and
/// <c>total_variance</c> (1) keep <see cref="ExplainedVarianceRatio"/> across save/load.</para>
/// </remarks>
public sealed class PcaModel : AutoencoderModel
{
    /// <summary>The registry entry for kind "pca".</summary>
    public static readonly ModelKind Kind = new("pca",
        "PCA baseline: linear encoder/decoder from the top-k principal components (fitted in closed form with PcaModel.Fit, not trained)",
        typeof(PcaConfig), (c, rng) => new PcaModel((PcaConfig)c, rng), d => new PcaConfig(d, Math.Max(1, d / 4)));

    /// <summary>Creates an unfitted model: μ = 0 and random components (U(−1/√D, 1/√D)) from <paramref name="rng"/>, so an unfitted model is still a valid trainable linear autoencoder.</summary>
    public PcaModel(PcaConfig config, Rng rng) : base(config)
    {
        PcaConfig = config;
        int d = config.InputDim, k = config.Components;
        using (TensorScope.Untracked())
        {
            Mean = RegisterParameter("mean", Tensor.Zeros(d));
            var v = Tensor.Zeros(k, d);
            Init.Uniform(v, rng, -1f / MathF.Sqrt(d), 1f / MathF.Sqrt(d));
            ComponentsTensor = RegisterParameter("components", v);
            ExplainedVariance = RegisterBuffer("explained_variance", Tensor.Zeros(k));
            TotalVariance = RegisterBuffer("total_variance", Tensor.Zeros(1));
        }
    }

    /// <summary>The validated configuration.</summary>
    public PcaConfig PcaConfig { get; }
    /// <summary>μ, the training mean, shape (D).</summary>
    public Tensor Mean { get; }
    /// <summary>Vₖ, the principal directions as orthonormal rows (after <see cref="Fit"/>), shape (k, D).</summary>
    public Tensor ComponentsTensor { get; }
    /// <summary>Variance of the training data along each component (eigenvalues of the covariance, N−1 denominator), shape (k).</summary>
    public Tensor ExplainedVariance { get; }
    /// <summary>Total variance of the training data (trace of the covariance), shape (1).</summary>
    public Tensor TotalVariance { get; }

    /// <summary>Fraction of the total variance along each kept component (0 before <see cref="Fit"/>); sums to ≤ 1.</summary>
    public double[] ExplainedVarianceRatio
    {
        get
        {
            double total = TotalVariance.Span[0];
            return ExplainedVariance.ToArray().Select(v => total > 0 ? v / total : 0).ToArray();
        }
    }

    /// <summary>
    /// Fits μ and the top-k components to <paramref name="data"/> in closed form (see the class remarks for the algorithm)
    /// and overwrites the parameters. Returns this model.
    /// </summary>
    /// <param name="data">Training samples (N, D), N ≥ 2.</param>
    /// <exception cref="ShapeException">The data width differs from D.</exception>
    /// <exception cref="ArgumentException">Fewer than 2 rows.</exception>
    public PcaModel Fit(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.Rows, d = InputDim, k = PcaConfig.Components;
        if (data.FeatureCount != d) throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the PCA model expects {d}");
        if (n < 2) throw new ArgumentException($"PCA needs at least 2 rows, {data.Source} has {n}");
        var f = data.Features;
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += f[(long)i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;

        double[] eigenvalues;     // descending, length ≥ k
        Matrix<double> directions; // D × (≥ k), columns orthonormal
        double total = 0;
        if (n >= d)
        {
            var cov = new double[d * d];
            const int block = 2048;
            var pool = new BufferPool();
            using (GradMode.NoGrad())
                for (int start = 0; start < n; start += block)
                {
                    int b = Math.Min(block, n - start);
                    using var scope = new TensorScope(pool);
                    var xt = Tensor.Zeros(d, b);               // (x − μ)ᵀ for this block
                    var s = xt.Span;
                    for (int i = 0; i < b; i++)
                        for (int j = 0; j < d; j++) s[j * b + i] = (float)(f[(long)(start + i) * d + j] - mean[j]);
                    var c = xt.MatMul(xt.Transpose()).Span;  // (D, D)
                    for (int q = 0; q < cov.Length; q++) cov[q] += c[q];
                }
            for (int q = 0; q < cov.Length; q++) cov[q] /= n - 1;
            for (int j = 0; j < d; j++) total += cov[j * d + j];
            var evd = Matrix<double>.Build.DenseOfColumnMajor(d, d, cov).Evd(Symmetricity.Symmetric);
            var vals = evd.EigenValues.Select(c => c.Real).ToArray();
            var order = Enumerable.Range(0, d).OrderByDescending(i => vals[i]).ToArray();
            eigenvalues = order.Select(i => Math.Max(vals[i], 0)).ToArray();
            directions = Matrix<double>.Build.Dense(d, d, (r, c) => evd.EigenVectors[r, order[c]]);
        }
        else
        {
            var xc = Matrix<double>.Build.Dense(n, d, (i, j) => f[(long)i * d + j] - mean[j]);
            var svd = xc.Svd(computeVectors: true);
            eigenvalues = svd.S.Select(sv => sv * sv / (n - 1)).ToArray();
            directions = svd.VT.Transpose();
            total = xc.PointwisePower(2).RowSums().Sum() / (n - 1);
        }

        var comp = ComponentsTensor.Span;
        var ev = ExplainedVariance.Span;
        for (int c = 0; c < k; c++)
        {
            int argMax = 0;
            for (int j = 1; j < d; j++) if (Math.Abs(directions[j, c]) > Math.Abs(directions[argMax, c])) argMax = j;
            double sign = directions[argMax, c] < 0 ? -1 : 1;
            for (int j = 0; j < d; j++) comp[c * d + j] = (float)(sign * directions[j, c]);
            ev[c] = c < eigenvalues.Length ? (float)eigenvalues[c] : 0f;
        }
        for (int j = 0; j < d; j++) Mean.Span[j] = (float)mean[j];
        TotalVariance.Span[0] = (float)total;
        return this;
    }

    /// <summary>z = (x − μ)·Vₖᵀ, shape (N, k).</summary>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Tensor.Linear(x - Mean, ComponentsTensor, null);
    }

    /// <summary>x̂ = z·Vₖ + μ, shape (N, D) (the output is linear, so logits are the reconstruction).</summary>
    public override Tensor DecodeLogits(Tensor z) => z.MatMul(ComponentsTensor) + Mean;
}
