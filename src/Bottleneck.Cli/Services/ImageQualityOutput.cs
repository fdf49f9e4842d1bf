using System.Text.Json.Nodes;
using Bottleneck.Evaluation;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>How <c>evaluate</c> shows an <see cref="ImageQualityReport"/>: rows of its metrics table and members of its JSON.</summary>
internal static class ImageQualityOutput
{
    /// <summary>Adds the SSIM, MS-SSIM and per-image PSNR rows (a "-" where the images are too small for the window).</summary>
    public static void AddRows(Table table, ImageQualityReport q, bool assembled)
    {
        if (assembled) table.AddRow("images (patches put back together)", Output.Count(q.Images));
        table.AddRow("SSIM (7x7 uniform, scikit-image default)", Output.Num(q.Ssim));
        table.AddRow("SSIM (11x11 Gaussian σ 1.5, Wang 2004)", Output.Num(q.SsimGaussian));
        if (q.MsSsim != null) table.AddRow("MS-SSIM (5 scales)", Output.Num(q.MsSsim));
        table.AddRow("PSNR per image, mean (dB)", Output.Num(q.PsnrPerImage));
        if (assembled) table.AddRow("PSNR of the images' MSE (dB)", Output.Num(q.Psnr));
    }

    /// <summary>Adds <c>ssim</c>, <c>ssimGaussian</c>, <c>msSsim</c>, <c>psnrPerImage</c>, <c>images</c> and <c>imagePsnr</c> (PSNR of the
    /// whole images' MSE) to evaluate's JSON; <c>psnr</c> stays the PSNR of the mean squared error over the model's rows.</summary>
    public static void AddJson(JsonObject json, ImageQualityReport q)
    {
        json["ssim"] = q.Ssim;
        json["ssimGaussian"] = q.SsimGaussian;
        json["msSsim"] = q.MsSsim;
        json["psnrPerImage"] = q.PsnrPerImage;
        json["images"] = q.Images;
        json["imagePsnr"] = q.Psnr;
    }
}
