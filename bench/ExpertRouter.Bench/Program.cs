using ExpertRouter.Bench;

// Benchmarks print numbers measured side by side in one run; they assert nothing about time.
var which = args.Length > 0 ? args[0] : "help";
var rest = args.Skip(1).ToArray();
return which switch
{
    "engine" => await EngineBenchmark.RunAsync(rest),
    "engine-worker" => await EngineBenchmark.WorkerAsync(rest),
    "gateway" => await GatewayBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: bench/run.sh engine [--model PATH] [--threads N] [--tokens 128] [--prompt 16]");
    Console.WriteLine("  engine   ours vs llama.cpp's llama-batched-bench on the same ~200M q8_0 model (1 and 8 sequences)");
    Console.WriteLine("  gateway  added latency of ExpertRouter in front of a remote expert; 8 vs 1 concurrent clients on one local expert");
    return 2;
}
