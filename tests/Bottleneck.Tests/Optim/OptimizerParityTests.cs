using System.Text.Json;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Tests.Parity;

namespace Bottleneck.Tests.Optim;

/// <summary>Optimizers, schedules and clipping against PyTorch 1.13 (Fixtures/torch/{optimizers,schedulers,clipping}.json).</summary>
public class OptimizerParityTests
{
    public static TheoryData<string> OptimizerCases => TorchParity.CaseNames("optimizers.json");
    public static TheoryData<string> SchedulerCases => TorchParity.CaseNames("schedulers.json");
    public static TheoryData<string> ClipCases => TorchParity.CaseNames("clipping.json", "norm_cases");

    private static float F(JsonElement hyper, string name, float fallback) =>
        hyper.TryGetProperty(name, out var v) ? (float)v.GetDouble() : fallback;

    private static bool B(JsonElement hyper, string name) => hyper.TryGetProperty(name, out var v) && v.GetBoolean();

    internal static Optimizer Create(string kind, JsonElement h, Tensor[] ps)
    {
        float beta1 = 0.9f, beta2 = 0.999f;
        if (h.TryGetProperty("betas", out var betas))
        {
            beta1 = (float)betas[0].GetDouble();
            beta2 = (float)betas[1].GetDouble();
        }
        return kind switch
        {
            "sgd" => new Sgd(ps, F(h, "lr", 0f), F(h, "momentum", 0f), F(h, "dampening", 0f), F(h, "weight_decay", 0f), B(h, "nesterov")),
            "adam" => new Adam(ps, F(h, "lr", 1e-3f), beta1, beta2, F(h, "eps", 1e-8f), F(h, "weight_decay", 0f), B(h, "amsgrad")),
            "adamw" => new AdamW(ps, F(h, "lr", 1e-3f), beta1, beta2, F(h, "eps", 1e-8f), F(h, "weight_decay", 1e-2f), B(h, "amsgrad")),
            "rmsprop" => new RmsProp(ps, F(h, "lr", 1e-2f), F(h, "alpha", 0.99f), F(h, "eps", 1e-8f), F(h, "weight_decay", 0f), F(h, "momentum", 0f), B(h, "centered")),
            _ => throw new ArgumentException(kind),
        };
    }

    internal static void SetGrad(Tensor p, JsonElement g)
    {
        if (g.ValueKind == JsonValueKind.Null) { p.ClearGrad(); return; }
        using (TensorScope.Untracked()) p.Grad = TorchParity.ToTensor(g);
    }

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void OptimizerMatchesPyTorch(string name)
    {
        var c = TorchParity.Case("optimizers.json", name);
        var ps = c.GetProperty("params").EnumerateArray().Select(t => TorchParity.ToTensor(t, requiresGrad: true)).ToArray();
        var opt = Create(c.GetProperty("optimizer").GetString()!, c.GetProperty("hyper"), ps);
        int k = 0;
        foreach (var step in c.GetProperty("steps").EnumerateArray())
        {
            k++;
            var grads = step.GetProperty("grads");
            for (int i = 0; i < ps.Length; i++) SetGrad(ps[i], grads[i]);
            opt.Step();
            var after = step.GetProperty("params_after");
            for (int i = 0; i < ps.Length; i++)
                TorchParity.AssertClose(ps[i].Span, TorchParity.Data(after[i]), $"{name} step {k} param {i}");
        }
    }

    [Theory]
    [MemberData(nameof(SchedulerCases))]
    public void SchedulerMatchesPyTorch(string name)
    {
        var c = TorchParity.Case("schedulers.json", name);
        var a = c.GetProperty("args");
        var opt = new Sgd([Tensor.Zeros(1)], (float)c.GetProperty("base_lr").GetDouble());
        LrScheduler s = c.GetProperty("scheduler").GetString() switch
        {
            "step" => new StepLr(opt, a.GetProperty("step_size").GetInt32(), F(a, "gamma", 0.1f)),
            "exponential" => new ExponentialLr(opt, F(a, "gamma", 0f)),
            "cosine" => new CosineAnnealingLr(opt, a.GetProperty("t_max").GetInt32(), F(a, "eta_min", 0f)),
            "warmup" => new LinearWarmup(opt, a.GetProperty("warmup_steps").GetInt32(), F(a, "start_factor", 0f)),
            "plateau" => new ReduceLrOnPlateau(opt,
                a.GetProperty("mode").GetString() == "max" ? PlateauMode.Max : PlateauMode.Min,
                F(a, "factor", 0.1f), a.GetProperty("patience").GetInt32(), F(a, "threshold", 1e-4f),
                a.GetProperty("threshold_mode").GetString() == "abs" ? ThresholdMode.Abs : ThresholdMode.Rel,
                a.GetProperty("cooldown").GetInt32(), F(a, "min_lr", 0f)),
            var other => throw new ArgumentException(other),
        };
        Assert.Equal(c.GetProperty("scheduler").GetString(), s.Name);
        var lrs = c.GetProperty("lrs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var metrics = c.GetProperty("metrics");
        // the learning rate is a float here and a double in PyTorch: 6e-8 relative rounding, well inside 1e-5
        TorchParity.AssertClose(opt.LearningRate, lrs[0], $"{name} epoch 0", floor: 1e-6);
        for (int e = 1; e < lrs.Length; e++)
        {
            if (metrics.ValueKind == JsonValueKind.Array) s.Step((float)metrics[e - 1].GetDouble());
            else s.Step();
            Assert.Equal(e, s.LastEpoch);
            TorchParity.AssertClose(opt.LearningRate, lrs[e], $"{name} epoch {e}", floor: 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(ClipCases))]
    public void ClipByGlobalNormMatchesPyTorch(string name)
    {
        var c = TorchParity.Case("clipping.json", name, "norm_cases");
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var ps = grads.Select(g => Tensor.Zeros(TorchParity.Shape(g))).ToArray();
        for (int i = 0; i < ps.Length; i++) SetGrad(ps[i], grads[i]);
        var nt = c.GetProperty("norm_type");
        float normType = nt.ValueKind == JsonValueKind.String ? float.PositiveInfinity : (float)nt.GetDouble();
        float total = GradClip.ClipByGlobalNorm(ps, (float)c.GetProperty("max_norm").GetDouble(), normType);
        TorchParity.AssertClose(total, c.GetProperty("total_norm").GetDouble(), $"{name} total norm");
        var after = c.GetProperty("grads_after").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) TorchParity.AssertClose(ps[i].Grad!.Span, TorchParity.Data(after[i]), $"{name} grad {i}");
    }

    [Fact]
    public void ClipByValueMatchesPyTorch()
    {
        var c = TorchParity.Case("clipping.json", "value", "value_cases");
        var g = c.GetProperty("grads")[0];
        var p = Tensor.Zeros(TorchParity.Shape(g));
        SetGrad(p, g);
        GradClip.ClipByValue([p], (float)c.GetProperty("clip_value").GetDouble());
        TorchParity.AssertClose(p.Grad!.Span, TorchParity.Data(c.GetProperty("grads_after")[0]), "clip by value");
    }
}
