using Bottleneck.Models.Variational;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>The optimizer settings of an adversarial autoencoder's phases: Adam's β₁ and the learning-rate factors of each group.</summary>
public class AdversarialOptimizerTests
{
    [Fact]
    public void TheDiscriminatorAndGeneratorGroupsCarryTheirOwnBeta1AndLearningRateFactors()
    {
        // Given an AAE with adversarial β1 0.5, the discriminator at 2× and the generator at 0.5× the run's learning rate
        var config = new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 4,
            adversarialLearningRateScale: 2f, generatorLearningRateScale: 0.5f, adversarialBeta1: 0.5f);
        var model = new VariationalAutoencoder(config, new Rng(1));
        var options = new TrainingOptions(learningRate: 1e-3f);
        // When the trainer builds one optimizer per group
        var adams = model.ParameterGroups().Select(g => (g.Name, Adam: Assert.IsType<Adam>(options.CreateOptimizer(g.Parameters, g.LearningRateScale, g.Beta1)))).ToArray();
        // Then the reconstruction phase keeps Adam's defaults and the adversarial phases get theirs
        Assert.Equal(("model", 0.9f, 1e-3f), (adams[0].Name, adams[0].Adam.Beta1, adams[0].Adam.LearningRate));
        Assert.Equal(("discriminator", 0.5f, 2e-3f), (adams[1].Name, adams[1].Adam.Beta1, adams[1].Adam.LearningRate));
        Assert.Equal(("generator", 0.5f, 5e-4f), (adams[2].Name, adams[2].Adam.Beta1, adams[2].Adam.LearningRate));
    }

    [Fact]
    public void TheGeneratorFollowsTheDiscriminatorsFactorUnlessGivenItsOwn()
    {
        var config = new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, adversarialLearningRateScale: 0.3f);
        Assert.Equal(0.3f, config.GeneratorScale);
        var groups = new VariationalAutoencoder(config, new Rng(1)).ParameterGroups();
        Assert.Equal([1f, 0.3f, 0.3f], groups.Select(g => g.LearningRateScale).ToArray());
    }

    [Theory]
    [InlineData(1f, 0f, "adversarialBeta1")]
    [InlineData(-0.1f, 0f, "adversarialBeta1")]
    [InlineData(0.5f, -1f, "generatorLearningRateScale")]
    [InlineData(0.5f, float.NaN, "generatorLearningRateScale")]
    public void ValuesThatCannotWorkAreRefusedNamingTheParameter(float beta1, float generatorScale, string named)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true,
            generatorLearningRateScale: generatorScale, adversarialBeta1: beta1));
        Assert.Equal(named, e.ParamName);
    }

    [Fact]
    public void CreateOptimizerPassesBeta1ToAdamAndAdamWAndRefusesOneOutsideTheUnitInterval()
    {
        var p = new[] { Tensor.Zeros(2) };
        Assert.Equal(0.5f, Assert.IsType<AdamW>(new TrainingOptions(optimizer: "adamw").CreateOptimizer(p, beta1: 0.5f)).Beta1);
        Assert.Equal(0.9f, Assert.IsType<Adam>(new TrainingOptions().CreateOptimizer(p)).Beta1);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions().CreateOptimizer(p, beta1: 1f)).ParamName);
    }
}
