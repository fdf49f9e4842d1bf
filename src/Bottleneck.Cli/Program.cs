// Entry point of the `bottleneck` command-line tool; everything else lives in Cli.
return await Bottleneck.Cli.Cli.RunAsync(args);
