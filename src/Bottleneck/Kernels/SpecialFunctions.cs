namespace Bottleneck.Kernels;

/// <summary>Scalar special functions the activations need (no BCL equivalent).</summary>
internal static class SpecialFunctions
{
    /// <summary>
    /// erf(x) via the complementary error function's Chebyshev fit (Numerical Recipes, 3rd ed., §6.2.2),
    /// fractional error below 1.2·10⁻⁷ everywhere, evaluated in double precision.
    /// </summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        double erf = 1.0 - ans;
        return x >= 0 ? erf : -erf;
    }

    /// <summary>Standard normal CDF Φ(x) = ½(1 + erf(x/√2)).</summary>
    public static double NormalCdf(double x) => 0.5 * (1.0 + Erf(x * 0.70710678118654752440));

    /// <summary>Standard normal density φ(x) = exp(−x²/2)/√(2π).</summary>
    public static double NormalPdf(double x) => 0.39894228040143267794 * Math.Exp(-0.5 * x * x);
}
