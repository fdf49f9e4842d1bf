namespace Bottleneck.IO;

/// <summary>
/// The cancellation of the command running on this thread (Ctrl+C, SIGTERM), installed once by the caller around a command so
/// that long loops deep inside the library (each batch of <c>Batching.InOrder</c>, each block of rows scored) stop promptly
/// without a token parameter on every evaluator: <c>using (CancellationScope.Install(token)) { … }</c>. Loops call
/// <see cref="ThrowIfCancellationRequested"/> once per batch or block. Scopes nest; the innermost applies.
/// </summary>
public sealed class CancellationScope : IDisposable
{
    [ThreadStatic] private static CancellationScope? _current;
    private readonly CancellationScope? _outer;
    private readonly CancellationToken _token;

    private CancellationScope(CancellationToken token)
    {
        _token = token;
        _outer = _current;
        _current = this;
    }

    /// <summary>Makes <paramref name="token"/> the current thread's cancellation until the scope is disposed.</summary>
    /// <param name="token">The command's token.</param>
    /// <returns>The scope; dispose it to restore the outer one.</returns>
    public static CancellationScope Install(CancellationToken token) => new(token);

    /// <summary>The current thread's token (<see cref="CancellationToken.None"/> outside every scope).</summary>
    public static CancellationToken Current => _current?._token ?? CancellationToken.None;

    /// <summary>Throws <see cref="OperationCanceledException"/> when the current thread's command was cancelled.</summary>
    /// <exception cref="OperationCanceledException">Cancellation was requested.</exception>
    public static void ThrowIfCancellationRequested() => Current.ThrowIfCancellationRequested();

    /// <summary>Restores the outer scope.</summary>
    public void Dispose()
    {
        if (_current == this) _current = _outer;
    }
}
