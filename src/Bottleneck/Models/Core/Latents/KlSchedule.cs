using System.Globalization;

namespace Bottleneck.Models;

/// <summary>How the weight of the KL term moves during training.</summary>
public enum KlScheduleKind
{
    /// <summary>Constant β.</summary>
    None,
    /// <summary>Linear warm-up from 0 to β over <see cref="KlSchedule.Epochs"/> epochs (Bowman et al. 2016).</summary>
    Linear,
    /// <summary>Cyclical annealing (Fu et al. 2019): the run is cut into cycles; in each, the weight rises linearly from 0 to β
    /// over the first <see cref="KlSchedule.Ratio"/> of the cycle, then stays at β.</summary>
    Cyclical,
    /// <summary>Controlled capacity (Burgess et al. 2018): the term is γ·|KL − C(t)| with C(t) rising linearly from 0 to
    /// <see cref="KlSchedule.Capacity"/> nats over <see cref="KlSchedule.Epochs"/> epochs; γ is the model's β.</summary>
    Capacity,
}

/// <summary>
/// A KL schedule: how the weight of KL(q(z|x) ‖ p(z)) in the training loss depends on training progress t (fractional epochs
/// done, <see cref="StepContext.EpochsDone"/>). Written on the command line as <c>none</c>, <c>linear:EPOCHS</c>,
/// <c>cyclical:CYCLES[:RATIO]</c> or <c>capacity:CMAX:EPOCHS</c>. Evaluation steps always use weight 1 (the negative ELBO).
/// </summary>
/// <param name="Kind">The schedule.</param>
/// <param name="Epochs">Warm-up epochs (linear) or epochs to reach the capacity (capacity), &gt; 0; 0 otherwise.</param>
/// <param name="Cycles">Number of cycles over the run (cyclical), ≥ 1; 0 otherwise.</param>
/// <param name="Ratio">Share of each cycle spent rising (cyclical), in (0, 1]; default 0.5 (Fu et al.).</param>
/// <param name="Capacity">Target KL C_max in nats per sample (capacity), ≥ 0.</param>
/// <param name="TotalEpochs">Epochs of the run the cycles divide (cyclical), ≥ 1.</param>
public sealed record KlSchedule(KlScheduleKind Kind, double Epochs = 0, int Cycles = 0, double Ratio = 0.5, double Capacity = 0, int TotalEpochs = 0)
{
    /// <summary>Constant β.</summary>
    public static KlSchedule None { get; } = new(KlScheduleKind.None);

    /// <summary>Checks the values for <see cref="Kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (the message names it and the value).</exception>
    public KlSchedule Validate()
    {
        switch (Kind)
        {
            case KlScheduleKind.Linear when !(Epochs > 0 && double.IsFinite(Epochs)):
                throw new ArgumentOutOfRangeException("klSchedule", Epochs, $"klSchedule linear:EPOCHS needs EPOCHS > 0, got {Num(Epochs)}");
            case KlScheduleKind.Cyclical when Cycles < 1:
                throw new ArgumentOutOfRangeException("klSchedule", Cycles, $"klSchedule cyclical:CYCLES needs CYCLES ≥ 1, got {Cycles}");
            case KlScheduleKind.Cyclical when !(Ratio > 0 && Ratio <= 1):
                throw new ArgumentOutOfRangeException("klSchedule", Ratio, $"klSchedule cyclical:CYCLES:RATIO needs RATIO in (0, 1], got {Num(Ratio)}");
            case KlScheduleKind.Cyclical when TotalEpochs < 1:
                throw new ArgumentOutOfRangeException("klSchedule", TotalEpochs, $"klSchedule cyclical needs the run's epochs ≥ 1, got {TotalEpochs}");
            case KlScheduleKind.Capacity when !(Capacity >= 0 && double.IsFinite(Capacity)):
                throw new ArgumentOutOfRangeException("klSchedule", Capacity, $"klSchedule capacity:CMAX:EPOCHS needs CMAX ≥ 0 nats, got {Num(Capacity)}");
            case KlScheduleKind.Capacity when !(Epochs > 0 && double.IsFinite(Epochs)):
                throw new ArgumentOutOfRangeException("klSchedule", Epochs, $"klSchedule capacity:CMAX:EPOCHS needs EPOCHS > 0, got {Num(Epochs)}");
        }
        return this;
    }

    /// <summary>The KL weight at progress <paramref name="t"/> (epochs done): β for none and capacity; β·min(1, t/E) for linear;
    /// β·min(1, τ/R) with τ the position in the current cycle (0..1) for cyclical.</summary>
    /// <param name="beta">β.</param>
    /// <param name="t">Fractional epochs done, ≥ 0.</param>
    public double Weight(double beta, double t) => Kind switch
    {
        KlScheduleKind.Linear => beta * Math.Min(1, t / Epochs),
        KlScheduleKind.Cyclical => beta * Math.Min(1, CyclePosition(t) / Ratio),
        _ => beta,
    };

    /// <summary>The capacity C(t) = C_max·min(1, t/E) in nats (capacity schedule), else 0.</summary>
    /// <param name="t">Fractional epochs done.</param>
    public double CapacityAt(double t) => Kind == KlScheduleKind.Capacity ? Capacity * Math.Min(1, t / Epochs) : 0;

    private double CyclePosition(double t)
    {
        double period = (double)TotalEpochs / Cycles;
        double tau = t / period;
        return tau - Math.Floor(tau);
    }

    /// <summary>Parses <c>none</c>, <c>linear:EPOCHS</c>, <c>cyclical:CYCLES[:RATIO]</c> or <c>capacity:CMAX:EPOCHS</c>.</summary>
    /// <param name="text">The schedule.</param>
    /// <param name="totalEpochs">Epochs of the run (the cycles of a cyclical schedule divide them).</param>
    /// <exception cref="ArgumentException">Not one of the forms, or a value out of range (ParamName "klSchedule").</exception>
    public static KlSchedule Parse(string? text, int totalEpochs)
    {
        var s = (text ?? "none").Trim().ToLowerInvariant();
        var parts = s.Split(':');
        try
        {
            return parts[0] switch
            {
                "none" when parts.Length == 1 => None,
                "linear" when parts.Length == 2 => new KlSchedule(KlScheduleKind.Linear, Epochs: D(parts[1])).Validate(),
                "cyclical" when parts.Length is 2 or 3 => new KlSchedule(KlScheduleKind.Cyclical, Cycles: I(parts[1]),
                    Ratio: parts.Length == 3 ? D(parts[2]) : 0.5, TotalEpochs: totalEpochs).Validate(),
                "capacity" when parts.Length == 3 => new KlSchedule(KlScheduleKind.Capacity, Epochs: D(parts[2]), Capacity: D(parts[1])).Validate(),
                _ => throw new FormatException(),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            string m = e.Message.Split('\n')[0];
            m = System.Text.RegularExpressions.Regex.Replace(m, @"\s*\(Parameter '[^']*'\)", "");
            throw new ArgumentException($"klSchedule '{text}': {(m.StartsWith("klSchedule ", StringComparison.Ordinal) ? m["klSchedule ".Length..] : m)}", "klSchedule", e);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"klSchedule '{text}' is not none, linear:EPOCHS, cyclical:CYCLES[:RATIO] or capacity:CMAX:EPOCHS", "klSchedule");
        }

        static double D(string v) => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
        static int I(string v) => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    /// <summary>The command-line form, e.g. "linear:10".</summary>
    public string Describe() => Kind switch
    {
        KlScheduleKind.Linear => $"linear:{Num(Epochs)}",
        KlScheduleKind.Cyclical => $"cyclical:{Cycles}:{Num(Ratio)} over {TotalEpochs} epochs",
        KlScheduleKind.Capacity => $"capacity:{Num(Capacity)}:{Num(Epochs)}",
        _ => "none",
    };

    private static string Num(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
