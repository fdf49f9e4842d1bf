namespace Bottleneck.NN;

/// <summary>
/// Base of every layer and model: named parameters and buffers in a stable (registration) order, child modules,
/// train/eval mode, and state dicts whose keys follow PyTorch (<c>encoder.0.weight</c>, <c>running_mean</c>), so
/// weights move between the two.
/// </summary>
/// <remarks>
/// State-dict order is PyTorch's: a module's own parameters, then its own buffers, then each child in
/// registration order. Parameters are created outside any <see cref="Tensors.TensorScope"/>.
/// </remarks>
public abstract class Module
{
    private readonly List<(string Name, Tensor Value)> _parameters = [];
    private readonly List<(string Name, Tensor Value)> _buffers = [];
    private readonly List<(string Name, Module Value)> _children = [];

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics); see <see cref="Train"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// True for layers that normalize with statistics of the batch in training mode (batch norm), which cannot train on a
    /// batch of one sample; the trainer then drops a final batch of one. Default false.
    /// </summary>
    public virtual bool UsesBatchStatistics => false;

    /// <summary>Maps an input to an output. Layers override it; modules that are not maps throw.</summary>
    /// <exception cref="NotSupportedException">This module has no single-input forward.</exception>
    public virtual Tensor Forward(Tensor input) => throw new NotSupportedException($"{GetType().Name} has no single-tensor Forward");

    /// <summary>Registers a trainable parameter (sets <see cref="Tensor.RequiresGrad"/>); returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used.</exception>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        value.RequiresGrad = true;
        value.Name = name;
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>Registers a non-trainable state tensor saved in the state dict (running statistics); returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used.</exception>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        value.Name = name;
        _buffers.Add((name, value));
        return value;
    }

    /// <summary>Registers a child module whose entries appear under <c>name.</c>; returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used.</exception>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: invalid entry name '{name}' (non-empty, no '.')");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: entry name '{name}' is already registered");
    }

    /// <summary>Direct children, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>This module and every descendant, pre-order.</summary>
    public IEnumerable<Module> Modules() => Walk("").Select(e => e.Module);

    /// <summary>Every parameter with its dotted path, in state-dict order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        foreach (var (name, module) in Walk(""))
            foreach (var p in module._parameters) yield return (name + p.Name, p.Value);
    }

    /// <summary>Every buffer with its dotted path, in state-dict order.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (name, module) in Walk(""))
            foreach (var b in module._buffers) yield return (name + b.Name, b.Value);
    }

    /// <summary>All parameters in a stable order (the order optimizers and checkpoints use).</summary>
    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter).ToList();

    /// <summary>Total number of trainable scalars.</summary>
    public long ParameterCount() => NamedParameters().Sum(p => (long)p.Parameter.Length);

    /// <summary>
    /// Parameters and buffers by dotted name in PyTorch's state-dict order: per module its parameters, its buffers,
    /// then its children. The tensors are the live ones (not copies).
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Value)> StateDict()
    {
        var list = new List<(string, Tensor)>();
        foreach (var (prefix, module) in Walk(""))
        {
            foreach (var p in module._parameters) list.Add((prefix + p.Name, p.Value));
            foreach (var b in module._buffers) list.Add((prefix + b.Name, b.Value));
        }
        return list;
    }

    /// <summary>
    /// Copies values into the parameters and buffers by name. With <paramref name="strict"/> (default) every entry must be
    /// present, with the same shape, and no extra entries may be given.
    /// </summary>
    /// <exception cref="ArgumentException">A missing, unexpected or mis-shaped entry (all are listed in the message).</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> state, bool strict = true)
    {
        var problems = new List<string>();
        var own = StateDict();
        var seen = new HashSet<string>();
        foreach (var (name, t) in own)
        {
            seen.Add(name);
            if (!state.TryGetValue(name, out var entry))
            {
                if (strict) problems.Add($"missing '{name}' {t.ShapeString}");
                continue;
            }
            if (!entry.Shape.AsSpan().SequenceEqual(t.Shape) || entry.Data.Length != t.Length)
            {
                problems.Add($"'{name}' has shape {Tensors.ShapeUtil.Format(entry.Shape)}, the model expects {t.ShapeString}");
                continue;
            }
            entry.Data.CopyTo(t.Span);
        }
        if (strict)
            foreach (var name in state.Keys)
                if (!seen.Contains(name)) problems.Add($"unexpected '{name}'");
        if (problems.Count > 0)
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: " + string.Join("; ", problems));
    }

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in Walk("")) m.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (dropout off, batch norm uses running statistics); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Zeroes every parameter gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
    }

    /// <summary>Modules of the tree with their dotted prefixes, pre-order, iteratively.</summary>
    private IEnumerable<(string Prefix, Module Module)> Walk(string prefix)
    {
        var stack = new Stack<(string, Module)>();
        stack.Push((prefix, this));
        while (stack.Count > 0)
        {
            var (p, m) = stack.Pop();
            yield return (p, m);
            for (int i = m._children.Count - 1; i >= 0; i--)
                stack.Push((p + m._children[i].Name + ".", m._children[i].Value));
        }
    }
}
