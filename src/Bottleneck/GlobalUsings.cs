// System.Numerics.Tensors also defines a Tensor type; inside the library "Tensor" always means ours.
global using Tensor = Bottleneck.Tensors.Tensor;
