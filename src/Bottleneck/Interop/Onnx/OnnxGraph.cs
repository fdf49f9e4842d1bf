using Bottleneck.Tensors;
using Google.Protobuf;
using Onnx;

namespace Bottleneck.Interop.Onnx;

/// <summary>
/// Thrown when a model cannot be written as ONNX: a layer, latent layer, likelihood or score with no ONNX mapping. The message names
/// the module path (e.g. <c>encoder.3</c>) and its type, or the kind, and what would be needed.
/// </summary>
public sealed class OnnxExportException : NotSupportedException
{
    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What does not map, naming the module path and type or the kind.</param>
    public OnnxExportException(string message) : base(message) { }
}

/// <summary>
/// Builds one ONNX graph (opset <see cref="Opset"/>): named values, nodes, initializers from live tensors (named by their state-dict
/// names, each written once), graph inputs and outputs with a symbolic batch dimension. Writes through the messages generated from
/// onnx.proto (Google.Protobuf), never by hand. Not thread-safe.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The default-domain opset the graphs use.</summary>
    public const int Opset = 17;

    /// <summary>The IR version written (8: what opset 17 was released with).</summary>
    public const long IrVersion = 8;

    /// <summary>The name of the symbolic batch dimension of inputs and outputs.</summary>
    public const string BatchDim = "N";

    private readonly GraphProto _graph = new();
    private readonly IReadOnlyDictionary<Tensor, string> _tensorNames;
    private readonly Dictionary<(Tensor, bool), string> _initializers = new();
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly HashSet<string> _domains = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Creates an empty graph called <paramref name="name"/>.</summary>
    /// <param name="name">The graph's name.</param>
    /// <param name="tensorNames">The model's state-dict names of its tensors (by reference), used to name initializers.</param>
    public OnnxGraph(string name, IReadOnlyDictionary<Tensor, string> tensorNames)
    {
        _graph.Name = name;
        _tensorNames = tensorNames;
    }

    /// <summary>A new value name starting with <paramref name="hint"/>, unique in the graph.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!_used.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Adds a node <paramref name="op"/>(<paramref name="inputs"/>) with one output and returns the output's name.</summary>
    /// <param name="op">ONNX operator type, e.g. "MatMul".</param>
    /// <param name="inputs">Input value names ("" for an omitted optional input).</param>
    /// <param name="hint">Start of the output's name.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <param name="domain">Operator domain: "" (default) for ONNX, "ai.onnx.ml" for the ML operators.</param>
    public string Node(string op, string[] inputs, string hint, AttributeProto[]? attributes = null, string domain = "")
    {
        var output = Fresh(hint);
        var node = new NodeProto { OpType = op, Name = Fresh("node_" + output) };
        if (domain.Length > 0) { node.Domain = domain; _domains.Add(domain); }
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes != null) node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node with several outputs (named from <paramref name="hints"/>) and returns their names.</summary>
    public string[] NodeMulti(string op, string[] inputs, string[] hints, AttributeProto[]? attributes = null)
    {
        var outputs = hints.Select(Fresh).ToArray();
        var node = new NodeProto { OpType = op, Name = Fresh("node_" + outputs[0]) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        if (attributes != null) node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>The initializer holding <paramref name="tensor"/> (or its transpose when <paramref name="transpose"/>; 2-D only),
    /// named by its state-dict name (<c>…ᵀ</c> suffix <c>.T</c>), written once however often it is used.</summary>
    /// <param name="tensor">A live parameter or buffer.</param>
    /// <param name="transpose">Write the transposed matrix (for x·Wᵀ as MatMul).</param>
    /// <param name="hint">Name used when the tensor has no state-dict name.</param>
    public string Weight(Tensor tensor, bool transpose = false, string hint = "weight")
    {
        if (_initializers.TryGetValue((tensor, transpose), out var existing)) return existing;
        string baseName = _tensorNames.TryGetValue(tensor, out var n) ? n : hint;
        int[] shape = tensor.ShapeToArray();
        float[] data = tensor.ToArray();
        if (transpose)
        {
            if (shape.Length != 2) throw new ArgumentException($"only a matrix can be transposed, {baseName} has shape ({string.Join(", ", shape)})");
            int r = shape[0], c = shape[1];
            var t = new float[data.Length];
            for (int i = 0; i < r; i++)
                for (int j = 0; j < c; j++) t[j * r + i] = data[i * c + j];
            data = t;
            shape = [c, r];
            baseName += ".T";
        }
        var name = Fresh(baseName);
        _graph.Initializer.Add(FloatTensor(name, data, shape));
        _initializers[(tensor, transpose)] = name;
        return name;
    }

    /// <summary>The value made by <paramref name="create"/> the first time <paramref name="key"/> is asked for, the same name after
    /// (derived constants such as reordered recurrent weights, written once however often a layer is applied).</summary>
    public T Cached<T>((object Owner, string Part) key, Func<T> create) where T : notnull
    {
        if (!_derived.TryGetValue(key, out var value)) _derived[key] = value = create();
        return (T)value;
    }

    private readonly Dictionary<(object, string), object> _derived = new();

    /// <summary>A float32 constant initializer of <paramref name="shape"/>.</summary>
    public string Constant(string hint, float[] data, params int[] shape)
    {
        var name = Fresh(hint);
        _graph.Initializer.Add(FloatTensor(name, data, shape));
        return name;
    }

    /// <summary>A float32 scalar constant (0-d).</summary>
    public string Scalar(string hint, float value) => Constant(hint, [value]);

    /// <summary>A float64 scalar constant (0-d).</summary>
    public string Double(string hint, double value)
    {
        var name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Double };
        t.DoubleData.Add(value);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>An int64 constant initializer of <paramref name="shape"/> (shapes, axes, indices).</summary>
    public string Int64(string hint, long[] data, params int[] shape)
    {
        var name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(shape.Select(d => (long)d));
        t.Int64Data.AddRange(data);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Declares a graph input of element type <paramref name="type"/>; each dimension is a size or, as a string, symbolic.</summary>
    public void Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        if (!_used.Add(name)) throw new ArgumentException($"value name '{name}' is used twice");
        _graph.Input.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Declares the value <paramref name="value"/> as the graph output <paramref name="name"/> (through an Identity when the names differ).</summary>
    public void Output(string name, string value, TensorProto.Types.DataType type, params object[] dims)
    {
        if (value != name)
        {
            if (!_used.Add(name)) throw new ArgumentException($"value name '{name}' is used twice");
            var node = new NodeProto { OpType = "Identity", Name = Fresh("node_" + name) };
            node.Input.Add(value);
            node.Output.Add(name);
            _graph.Node.Add(node);
        }
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>The model: IR <see cref="IrVersion"/>, opset <see cref="Opset"/> (and ai.onnx.ml 2 when used), producer and metadata.</summary>
    /// <param name="docString">A description of the graph.</param>
    /// <param name="metadata">Key/value metadata (kind, part, threshold…).</param>
    public ModelProto ToModel(string docString, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Bottleneck",
            ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var d in _domains.Order(StringComparer.Ordinal)) model.OpsetImport.Add(new OperatorSetIdProto { Domain = d, Version = d == "ai.onnx.ml" ? 2 : 1 });
        foreach (var (k, v) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    /// <summary>A string attribute (UTF-8).</summary>
    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A list-of-integers attribute.</summary>
    public static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A list-of-strings attribute (UTF-8).</summary>
    public static AttributeProto Attr(string name, string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return a;
    }

    /// <summary>A tensor attribute (a Constant node's value).</summary>
    public static AttributeProto Attr(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    private static TensorProto FloatTensor(string name, float[] data, int[] shape)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(shape.Select(d => (long)d));
        var bytes = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++)   // raw data is little-endian, as ONNX requires
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
