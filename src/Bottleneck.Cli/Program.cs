Console.WriteLine("bottleneck: CLI under construction");
