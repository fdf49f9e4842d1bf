using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Models.Pca;

/// <summary>Configuration of the PCA baseline: project onto the top <see cref="Components"/> principal directions; kind "pca".</summary>
public sealed record PcaConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration.</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="components">k, the number of principal components kept, 1 ≤ k ≤ D.</param>
    /// <exception cref="ArgumentOutOfRangeException">D &lt; 1, k &lt; 1 or k &gt; D.</exception>
    public PcaConfig(int inputDim, int components) : base("pca")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Components = AtLeastOne(components, nameof(components)) <= inputDim ? components
            : throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be ≤ inputDim ({inputDim}), got {components}");
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>k, the number of principal components (the code width).</summary>
    public int Components { get; }
    /// <inheritdoc/>
    [System.Text.Json.Serialization.JsonIgnore] public override int LatentDim => Components;
    /// <summary>Always <see cref="Likelihood.Gaussian"/> (squared error): PCA minimises squared error.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public override Likelihood Likelihood => Likelihood.Gaussian;

    /// <inheritdoc/>
    public override string Describe() => $"{Kind} {InputDim} -> {Components} -> {InputDim}, {Likelihood.Name}";

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("components", Components.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("output", Likelihood.Name),
    ];

    /// <summary>"closed-form PCA fit of k components".</summary>
    public string DescribeFit() => $"closed-form PCA fit of {Components} component{(Components == 1 ? "" : "s")}";
}

/// <summary>
/// Principal component analysis as an autoencoder with a linear encoder and a tied linear decoder:
/// z = (x − μ)·Vₖᵀ, x̂ = z·Vₖ + μ, where μ is the training mean (D) and Vₖ (k, D) holds the top-k principal directions as
/// orthonormal rows. Among all rank-k affine reconstructions it minimises the squared error (Eckart–Young), so it is the
/// baseline a linear autoencoder converges to and deep autoencoders are compared with (Hinton &amp; Salakhutdinov, Science 2006).
/// </summary>
/// <remarks>
/// <para>Training: PCA is <b>fitted in closed form by <see cref="Fit"/></b> (the kind's fit procedure is <see cref="ClosedFormFit"/>),
/// not by the <see cref="Trainer"/>. It is the composed <see cref="Autoencoder"/> with an affine encoder and decoder over shared
/// μ and Vₖ, registered as parameters (state-dict names <c>mean</c> (D) and <c>components</c> (k, D)) so the generic machinery
/// (model files, evaluation, even gradient fine-tuning) works unchanged; its loss is the squared error per sample summed over
/// features (averaged over the batch).</para>
/// <para>Algorithm: for N ≥ D, the covariance C = Σ(x−μ)(x−μ)ᵀ/(N−1) is accumulated in double from float32 GEMM blocks of
/// 2048 rows (O(N·D²) flops, the GEMM backend's speed) and its symmetric eigendecomposition taken with MathNet.Numerics
/// (O(D³); 784×784 takes well under a second). Squaring the condition number only affects the small trailing eigenvalues, not
/// the leading directions kept. For N &lt; D it takes the thin SVD of the centered data in double instead (O(N²·D)).
/// For MNIST (60000×784) the covariance route takes a few seconds on 2 cores.</para>
/// <para>Signs are fixed so each component's largest-magnitude entry is positive. Buffers <c>explained_variance</c> (k) and
/// <c>total_variance</c> (1) keep <see cref="ExplainedVarianceRatio"/> across save/load.</para>
/// </remarks>
public sealed partial class PcaModel : Autoencoder, IClosedFormModel
{
    /// <summary>Creates an unfitted model: μ = 0 and random components (U(−1/√D, 1/√D)) from <paramref name="rng"/>, so an unfitted model is still a valid trainable linear autoencoder.</summary>
    /// <param name="config">The validated configuration.</param>
    /// <param name="rng">Generator for the initial components.</param>
    public PcaModel(PcaConfig config, Rng rng) : this(config, AffinePair.Create(config, rng)) { }

    private PcaModel(PcaConfig config, AffinePair pair) : base(config, pair.Parts, register: false)
    {
        PcaConfig = config;
        int k = config.Components;
        Mean = RegisterParameter("mean", pair.Mean);
        ComponentsTensor = RegisterParameter("components", pair.Components);
        using (TensorScope.Untracked())
        {
            ExplainedVariance = RegisterBuffer("explained_variance", Tensor.Zeros(k));
            TotalVariance = RegisterBuffer("total_variance", Tensor.Zeros(1));
        }
        RegisterModule("encoder", pair.Parts.Encoder);
        RegisterModule("latent", pair.Parts.Latent);
        RegisterModule("decoder", pair.Parts.Decoder);
        RegisterLikelihood();
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

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary()
    {
        var ratio = ExplainedVarianceRatio;
        return
        [
            ("fitted", "in closed form, no epochs"),
            ("explained variance", $"{Percent(ratio.Sum())} of the training variance with {ratio.Length} component{(ratio.Length == 1 ? "" : "s")}"),
            ("  per component", string.Join(", ", ratio.Take(10).Select(Percent)) + (ratio.Length > 10 ? ", ..." : "")),
        ];
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%";

    /// <inheritdoc/>
    public string DescribeFit() => PcaConfig.DescribeFit();

    void IClosedFormModel.Fit(Dataset data) => Fit(data);

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

}

/// <summary>PCA's affine encoder z = (x − μ)·Vₖᵀ and decoder x̂ = z·Vₖ + μ over shared μ and Vₖ (registered by the model, not by the parts).</summary>
internal sealed record AffinePair(AutoencoderParts Parts, Tensor Mean, Tensor Components)
{
    public static AffinePair Create(PcaConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = config.InputDim, k = config.Components;
        Tensor mean, v;
        using (TensorScope.Untracked())
        {
            mean = Tensor.Zeros(d);
            v = Tensor.Zeros(k, d);
            Init.Uniform(v, rng, -1f / MathF.Sqrt(d), 1f / MathF.Sqrt(d));
        }
        return new AffinePair(new AutoencoderParts(new Encoder(mean, v), new DeterministicLatent(), new Decoder(mean, v)), mean, v);
    }

    /// <summary>z = (x − μ)·Vₖᵀ, shape (N, k).</summary>
    private sealed class Encoder(Tensor mean, Tensor components) : Module
    {
        public override Tensor Forward(Tensor x) => Tensor.Linear(x - mean, components, null);
    }

    /// <summary>x̂ = z·Vₖ + μ, shape (N, D) (the output is linear, so logits are the reconstruction).</summary>
    private sealed class Decoder(Tensor mean, Tensor components) : Module
    {
        public override Tensor Forward(Tensor z) => z.MatMul(components) + mean;
    }
}
