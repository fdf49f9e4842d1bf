namespace Bottleneck.Tensors;

/// <summary>
/// A pool of float buffers reused across training steps, keyed by exact length. Shapes repeat from
/// step to step, so after the first step every buffer a step needs comes from here and the step
/// allocates almost no managed memory.
/// </summary>
/// <remarks>
/// Tensor lifetime rule (the one place it is decided): a tensor created while a <see cref="TensorScope"/>
/// is active on the current thread takes its buffer from the scope's pool and gives it back when the
/// scope is disposed, unless it was kept with <see cref="TensorScope.Keep"/>. Outside any scope, buffers
/// are ordinary garbage-collected arrays. Parameters, gradients of leaves and optimizer state are never
/// scoped. Not thread-safe: one pool per training loop.
/// </remarks>
public sealed class BufferPool
{
    private readonly Dictionary<int, Stack<float[]>> _free = new();
    private readonly Stack<List<Tensor>> _lists = new();

    /// <summary>Total bytes currently held by the pool (free buffers only).</summary>
    public long PooledBytes { get; private set; }

    internal float[] Rent(int length)
    {
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            PooledBytes -= length * 4L;
            return stack.Pop();
        }
        return length == 0 ? [] : GC.AllocateUninitializedArray<float>(length);
    }

    internal void Return(float[] buffer)
    {
        if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new Stack<float[]>();
        stack.Push(buffer);
        PooledBytes += buffer.Length * 4L;
    }

    internal List<Tensor> RentList() => _lists.Count > 0 ? _lists.Pop() : new List<Tensor>(256);

    internal void ReturnList(List<Tensor> list) { list.Clear(); _lists.Push(list); }

    /// <summary>Drops every pooled buffer (they become garbage).</summary>
    public void Clear() { _free.Clear(); PooledBytes = 0; }
}

/// <summary>
/// A region (usually one training or inference step) whose temporary tensors return their buffers to a
/// <see cref="BufferPool"/> when it ends. Use with <c>using</c>; scopes nest.
/// </summary>
/// <example><code>
/// var pool = new BufferPool();
/// for (...) { using var scope = new TensorScope(pool); var loss = model.Loss(x); loss.Backward(); opt.Step(); }
/// </code></example>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly BufferPool _pool;
    private readonly TensorScope? _parent;
    private List<Tensor>? _owned;

    /// <summary>Starts a scope on the current thread that draws buffers from <paramref name="pool"/>.</summary>
    public TensorScope(BufferPool pool)
    {
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _parent = _current;
        _owned = pool.RentList();
        _current = this;
    }

    /// <summary>The innermost active scope of this thread, or null.</summary>
    public static TensorScope? Current => _current;

    /// <summary>
    /// Suspends scoping on this thread until the returned handle is disposed: tensors created meanwhile
    /// (parameters, optimizer state, results handed to the caller) are ordinary long-lived tensors.
    /// </summary>
    public static UntrackedRegion Untracked() => new(_current);

    internal float[] Rent(Tensor owner, int length)
    {
        _owned!.Add(owner);
        return _pool.Rent(length);
    }

    /// <summary>Keeps <paramref name="tensor"/> alive after the scope ends (its buffer is not returned).</summary>
    public static Tensor Keep(Tensor tensor)
    {
        tensor.Kept = true;
        return tensor;
    }

    /// <summary>Ends the scope: every buffer rented in it, except kept ones, goes back to the pool.</summary>
    public void Dispose()
    {
        if (_owned is null) return;
        if (_current != this) throw new InvalidOperationException("TensorScope disposed out of order: dispose inner scopes first");
        foreach (var t in _owned)
        {
            if (t.Kept) continue;
            _pool.Return(t.Buffer);
            t.Buffer = [];  // a use after the scope fails loudly instead of reading recycled data
            t.GradFn = null;
        }
        _pool.ReturnList(_owned);
        _owned = null;
        _current = _parent;
    }

    /// <summary>Handle returned by <see cref="Untracked"/>; disposing it restores the suspended scope.</summary>
    public readonly struct UntrackedRegion : IDisposable
    {
        private readonly TensorScope? _saved;
        internal UntrackedRegion(TensorScope? saved) { _saved = saved; _current = null; }
        /// <summary>Restores the scope that was active before.</summary>
        public void Dispose() => _current = _saved;
    }
}
