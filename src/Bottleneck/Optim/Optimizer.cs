using System.Globalization;
using Bottleneck.Tensors;

namespace Bottleneck.Optim;

/// <summary>
/// Base class of the first-order optimizers: holds the parameters, the learning rate, and per-parameter state
/// (<see cref="ParameterState"/>), and updates every parameter that has a gradient on <see cref="Step"/>.
/// </summary>
/// <remarks>
/// <para>Update rules follow PyTorch 1.13 exactly (single-tensor code path), including per-parameter step counts:
/// a parameter whose <see cref="Tensor.Grad"/> is null is skipped and its step count does not advance.</para>
/// <para>Memory: state buffers are plain arrays allocated the first time a parameter is updated (never inside a
/// <see cref="TensorScope"/> pool); after that <see cref="Step"/> allocates no managed memory. Each update is one fused,
/// vectorised pass over the parameter.</para>
/// <para>Not thread-safe.</para>
/// </remarks>
public abstract class Optimizer
{
    private readonly Tensor[] _parameters;
    private readonly ParameterState?[] _state;
    private readonly int[] _due;   // indices updated by the current Step (reused: no allocation per step)
    private float _learningRate;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> (enumerated once, order kept).</summary>
    /// <param name="parameters">The tensors to optimise: leaves, each listed once.</param>
    /// <param name="learningRate">The initial learning rate, ≥ 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">The list is empty, has a duplicate, or holds a non-leaf tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite.</exception>
    protected Optimizer(IEnumerable<Tensor> parameters, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            if (p is null) throw new ArgumentNullException(nameof(parameters), $"{Name}: parameter {list.Count} is null");
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: parameter {list.Count} ({p.Name ?? p.ShapeString}) appears more than once", nameof(parameters));
            if (!p.IsLeaf) throw new ArgumentException($"{Name}: parameter {list.Count} ({p.Name ?? p.ShapeString}) is not a leaf tensor (produced by {p.GradFnName}); optimise the leaf instead", nameof(parameters));
            list.Add(p);
        }
        if (list.Count == 0) throw new ArgumentException($"{Name}: got an empty parameter list", nameof(parameters));
        _parameters = list.ToArray();
        _state = new ParameterState?[_parameters.Length];
        _due = new int[_parameters.Length];
        LearningRate = learningRate;
    }

    /// <summary>Stable short name used in messages and checkpoints: "sgd", "adam", "adamw", "rmsprop".</summary>
    public abstract string Name { get; }

    /// <summary>The parameters, in construction order (their index is their id in <see cref="SaveState"/>).</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The learning rate used by the next <see cref="Step"/> (schedulers set it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative or non-finite value.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0f) || !float.IsFinite(value))
                throw new ArgumentOutOfRangeException(nameof(value), $"{Name}: lr must be ≥ 0 and finite, got {value.ToString(CultureInfo.InvariantCulture)}");
            _learningRate = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>Names of the per-parameter state buffers this configuration keeps, e.g. ["exp_avg", "exp_avg_sq"].</summary>
    public abstract IReadOnlyList<string> StateBufferNames { get; }

    /// <summary>The state of parameter <paramref name="index"/>, or null before its first update.</summary>
    public ParameterState? GetState(int index) => _state[index];

    /// <summary>Sets every parameter's gradient to zero, keeping its storage (no allocation).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>Updates every parameter that has a gradient, using the current <see cref="LearningRate"/>.</summary>
    /// <exception cref="InvalidOperationException">A gradient's length differs from its parameter's.</exception>
    public void Step()
    {
        StepCount++;
        int due = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var g = p.Grad;
            if (g is null) continue;
            if (g.Length != p.Length)
                throw new InvalidOperationException($"{Name}: gradient {g.ShapeString} does not match parameter {i} {p.ShapeString}");
            _due[due++] = i;
        }
        // validated first: a mismatched gradient leaves every parameter and its state untouched
        foreach (int i in _due.AsSpan(0, due))
        {
            var p = _parameters[i];
            (_state[i] ??= NewState(p.Length, p.ShapeToArray())).Step++;
        }
        UpdateAll(_due.AsSpan(0, due));
    }

    /// <summary>
    /// Applies one update to each parameter in <paramref name="due"/> (indices into <see cref="Parameters"/>, ascending; each has a
    /// gradient of its length and its state's step count already incremented). The default calls <see cref="Update"/> on each in
    /// turn; an optimizer may override it with one fused pass over all of them (e.g. split over threads).
    /// </summary>
    /// <param name="due">The indices of the parameters to update.</param>
    protected virtual void UpdateAll(ReadOnlySpan<int> due)
    {
        foreach (int i in due)
        {
            var p = _parameters[i];
            Update(p.Span, p.Grad!.Span, _state[i]!);
        }
    }

    /// <summary>Applies one update to a parameter; <paramref name="state"/>.Step has already been incremented (1 on the first update).</summary>
    /// <param name="param">The parameter's values, updated in place.</param>
    /// <param name="grad">Its gradient (read only: weight decay must not modify it).</param>
    /// <param name="state">Its state, buffers in <see cref="StateBufferNames"/> order, zero-initialised.</param>
    protected abstract void Update(Span<float> param, ReadOnlySpan<float> grad, ParameterState state);

    private ParameterState NewState(int length, int[] shape)
    {
        var names = StateBufferNames;
        var buffers = new float[names.Count][];
        for (int k = 0; k < buffers.Length; k++) buffers[k] = new float[length];  // plain arrays: never pooled by a TensorScope
        return new ParameterState(shape, buffers);
    }

    // ------------------------------------------------------------------ checkpoints

    /// <summary>A deep copy of the optimizer state (learning rate, step counts, buffers) for a checkpoint.</summary>
    public OptimizerState SaveState()
    {
        var entries = new List<ParameterStateEntry>();
        var names = StateBufferNames;
        for (int i = 0; i < _state.Length; i++)
        {
            if (_state[i] is not { } s) continue;
            var buffers = new StateBuffer[names.Count];
            for (int k = 0; k < buffers.Length; k++)
                buffers[k] = new StateBuffer(names[k], (float[])s.Buffers[k].Clone(), (int[])s.ShapeArray.Clone());
            entries.Add(new ParameterStateEntry(i, s.Step, buffers));
        }
        return new OptimizerState(Name, LearningRate, StepCount, entries);
    }

    /// <summary>Restores a state saved by <see cref="SaveState"/> of an optimizer of the same kind and configuration over parameters of the same shapes.</summary>
    /// <exception cref="ArgumentException">The state belongs to another optimizer kind or configuration, names an unknown parameter, or a buffer's shape differs.</exception>
    public void LoadState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != Name)
            throw new ArgumentException($"{Name}: cannot load state saved by optimizer '{state.Optimizer}'", nameof(state));
        var names = StateBufferNames;
        var loaded = new ParameterState?[_state.Length];
        foreach (var e in state.Parameters)
        {
            if ((uint)e.Index >= (uint)_parameters.Length)
                throw new ArgumentException($"{Name}: state names parameter {e.Index}, but the optimizer has {_parameters.Length}", nameof(state));
            if (e.Step < 0) throw new ArgumentException($"{Name}: parameter {e.Index} has negative step count {e.Step}", nameof(state));
            var p = _parameters[e.Index];
            if (e.Buffers.Count != names.Count)
                throw new ArgumentException($"{Name}: parameter {e.Index} has {e.Buffers.Count} state buffers, this configuration expects {names.Count} ({string.Join(", ", names)})", nameof(state));
            var buffers = new float[names.Count][];
            for (int k = 0; k < names.Count; k++)
            {
                var b = e.Buffers[k];
                if (b.Name != names[k])
                    throw new ArgumentException($"{Name}: parameter {e.Index} buffer {k} is '{b.Name}', expected '{names[k]}'", nameof(state));
                if (!ShapeUtil.SameShape(b.Shape, p.ShapeArray) || b.Data.Length != p.Length)
                    throw new ShapeException($"{Name}: state buffer '{b.Name}' of parameter {e.Index} has shape {ShapeUtil.Format(b.Shape)} ({b.Data.Length} values), parameter has {p.ShapeString}");
                buffers[k] = (float[])b.Data.Clone();
            }
            loaded[e.Index] = new ParameterState(p.ShapeToArray(), buffers) { Step = e.Step };
        }
        LearningRate = state.LearningRate;
        StepCount = state.StepCount;
        Array.Copy(loaded, _state, _state.Length);
    }

    // ------------------------------------------------------------------ validation helpers

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0.</summary>
    protected void RequireNonNegative(float value, string name)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, $"{Name}: {name} must be ≥ 0, got {value.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; 1.</summary>
    protected void RequireUnitInterval(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(name, $"{Name}: {name} must be in [0, 1), got {value.ToString(CultureInfo.InvariantCulture)}");
    }
}

/// <summary>The state an optimizer keeps for one parameter: its update count and its buffers (moments, momentum).</summary>
public sealed class ParameterState
{
    internal readonly int[] ShapeArray;

    internal ParameterState(int[] shape, float[][] buffers)
    {
        ShapeArray = shape;
        Buffers = buffers;
    }

    /// <summary>How many updates this parameter has received (PyTorch's state['step']).</summary>
    public int Step { get; internal set; }

    /// <summary>The buffers, each with the parameter's length, in the optimizer's <see cref="Optimizer.StateBufferNames"/> order.</summary>
    public float[][] Buffers { get; }

    /// <summary>The parameter's shape.</summary>
    public ReadOnlySpan<int> Shape => ShapeArray;
}

/// <summary>One state buffer in a checkpoint: its name (e.g. "exp_avg"), values (row-major) and shape.</summary>
/// <param name="Name">Buffer name, one of the optimizer's <see cref="Optimizer.StateBufferNames"/>.</param>
/// <param name="Data">The values, row-major, length = product of <paramref name="Shape"/>.</param>
/// <param name="Shape">The parameter's shape.</param>
public sealed record StateBuffer(string Name, float[] Data, int[] Shape);

/// <summary>The checkpointed state of one parameter.</summary>
/// <param name="Index">The parameter's position in <see cref="Optimizer.Parameters"/>.</param>
/// <param name="Step">Its update count.</param>
/// <param name="Buffers">Its buffers in <see cref="Optimizer.StateBufferNames"/> order.</param>
public sealed record ParameterStateEntry(int Index, int Step, IReadOnlyList<StateBuffer> Buffers);

/// <summary>
/// An optimizer's checkpointable state (like PyTorch's optimizer.state_dict()). Parameters never updated have no entry.
/// Hyper-parameters other than the learning rate are not included: they come from the constructor.
/// </summary>
/// <param name="Optimizer">The optimizer's <see cref="Optimizer.Name"/>.</param>
/// <param name="LearningRate">The current learning rate.</param>
/// <param name="StepCount">The number of <see cref="Optimizer.Step"/> calls.</param>
/// <param name="Parameters">Per-parameter state, for parameters updated at least once.</param>
public sealed record OptimizerState(string Optimizer, float LearningRate, int StepCount, IReadOnlyList<ParameterStateEntry> Parameters);

/// <summary>
/// Flush-to-zero for optimizer state. Moment estimates of parameters whose gradient stays 0 (weights into dead ReLU units)
/// decay geometrically into the float32 subnormal range, where every multiply takes a slow microcode path: on the
/// 784-1000-500-250-30 MNIST autoencoder 16% of Adam's state was subnormal after 20 epochs and epochs ran 2.3× slower.
/// Values below the smallest normal float (1.18·10⁻³⁸) are set to 0; their effect on an update is below float resolution.
/// </summary>
internal static class Subnormal
{
    /// <summary>The smallest positive normal float32.</summary>
    public const float MinNormal = 1.17549435e-38f;

    /// <summary>x, with entries of magnitude below <see cref="MinNormal"/> replaced by 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Numerics.Vector<float> Flush(System.Numerics.Vector<float> x) =>
        System.Numerics.Vector.ConditionalSelect(
            System.Numerics.Vector.LessThan(System.Numerics.Vector.Abs(x), new System.Numerics.Vector<float>(MinNormal)),
            System.Numerics.Vector<float>.Zero, x);

    /// <summary>Scalar <see cref="Flush(System.Numerics.Vector{float})"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Flush(float x) => MathF.Abs(x) < MinNormal ? 0f : x;
}
