using Parquet;
using Parquet.Schema;

namespace Bottleneck.Tests.Data;

/// <summary>Writes small Parquet test files with Parquet.Net's writer (columns of double, float, int, long, string and their nullable forms).</summary>
public static class ParquetFiles
{
    /// <summary>One column: its field and its values (double[], double?[], float[], int[], long[] or string[]).</summary>
    public sealed record Column(DataField Field, Array Values);

    /// <summary>Writes the columns in row groups of <paramref name="rowGroupRows"/> rows.</summary>
    public static string Write(string path, int rowGroupRows, params Column[] columns)
    {
        var schema = new ParquetSchema(columns.Select(c => (Field)c.Field).ToArray());
        int rows = columns[0].Values.Length;
        using var fs = File.Create(path);
        var w = ParquetWriter.CreateAsync(schema, fs).GetAwaiter().GetResult();
        try
        {
            for (int start = 0; start < rows; start += rowGroupRows)
            {
                int n = Math.Min(rowGroupRows, rows - start);
                using var rg = w.CreateRowGroup();
                foreach (var c in columns) WriteSlice(rg, c.Field, c.Values, start, n);
                rg.CompleteValidate();
            }
        }
        finally { w.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return path;
    }

    private static void WriteSlice(ParquetRowGroupWriter rg, DataField f, Array v, int start, int n)
    {
        switch (v)
        {
            case double[] d: rg.WriteAsync<double>(f, d.AsMemory(start, n)).GetAwaiter().GetResult(); break;
            case double?[] d: rg.WriteAsync<double>(f, d.AsMemory(start, n)).GetAwaiter().GetResult(); break;
            case float[] d: rg.WriteAsync<float>(f, d.AsMemory(start, n)).GetAwaiter().GetResult(); break;
            case int[] d: rg.WriteAsync<int>(f, d.AsMemory(start, n)).GetAwaiter().GetResult(); break;
            case long[] d: rg.WriteAsync<long>(f, d.AsMemory(start, n)).GetAwaiter().GetResult(); break;
            case string[] d: rg.WriteAsync(f, d.Skip(start).Take(n).ToArray()).GetAwaiter().GetResult(); break;
            default: throw new ArgumentException($"unsupported column type {v.GetType()}");
        }
    }
}
