using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.IO;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --tensorboard DIR</c>: one event per epoch with every loss term, the validation loss and the learning rate.</summary>
public class CliTensorBoardTests
{
    [Fact]
    public async Task Train_WithTensorBoard_WritesEachEpochsScalars()
    {
        // Given a 2-epoch sparse (two loss terms) training run on demo data
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "sparse", "--data", "demo:200", "--epochs", "2", "--batch-size", "50", "--val-split", "0.2",
            "--out", dir.File("m"), "--tensorboard", dir.File("tb"));
        Assert.True(code == 0, h.Stderr + h.Stdout);
        // Then the event file holds the file version and one summary per epoch, equal (as float32) to the saved history
        var file = Assert.Single(Directory.GetFiles(dir.File("tb"), "events.out.tfevents.*"));
        Assert.Contains(file, h.Stdout);
        var events = TensorBoardWriterTests.Read(file);
        Assert.Equal(3, events.Count);
        var history = ModelStore.Load(dir.File("m")).History;
        Assert.Equal(2, history.Count);
        for (int e = 0; e < 2; e++)
        {
            var record = history[e];
            var scalars = events[e + 1].Summary.Value.ToDictionary(v => v.Tag, v => v.SimpleValue);
            Assert.Equal(e + 1, events[e + 1].Step);
            Assert.Equal((float)record.TrainLoss, scalars["loss/train"]);
            Assert.Equal((float)record.ValidationLoss!.Value, scalars["loss/validation"]);
            Assert.Equal((float)record.LearningRate, scalars["learning_rate"]);
            Assert.True(record.Terms!.Count >= 2, "sparse has reconstruction and sparsity terms");
            foreach (var t in record.Terms) Assert.Equal((float)t.Value, scalars["loss/" + t.Key]);
            Assert.True(scalars.ContainsKey("epoch_seconds"));
        }
    }

    [Fact]
    public async Task Train_WithTensorBoardInsideTheModelFolder_IsAUserError()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--data", "demo:100", "--epochs", "1", "--out", dir.File("m"), "--tensorboard", dir.File(Path.Combine("m", "tb")));
        h.AssertUsageError(code, "--tensorboard", "is inside --out");
        Assert.False(Directory.Exists(dir.File(Path.Combine("m", "tb"))));
    }
}
