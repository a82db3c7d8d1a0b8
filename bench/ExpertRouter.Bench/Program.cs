using ExpertRouter.Bench;

// Benchmarks print numbers measured side by side in one run; they assert nothing about time.
var which = args.Length > 0 ? args[0] : "help";
var rest = args.Skip(1).ToArray();
return which switch
{
    "engine" => await EngineBenchmark.RunAsync(rest),
    "engine-worker" => await EngineBenchmark.WorkerAsync(rest),
    "gateway" => await GatewayBenchmark.RunAsync(rest),
    "batch" => await BatchBenchmark.RunAsync(rest),
    "vectors" => await VectorBenchmark.RunAsync(rest),
    "evaluate" => await EvaluateCommand.RunAsync(rest),
    "routing" => await RoutingBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: bench/run.sh engine [--model PATH] [--threads N] [--tokens 128] [--prompt 16]");
    Console.WriteLine("  engine   ours vs llama.cpp's llama-batched-bench on the same ~200M q8_0 model (1 and 8 sequences)");
    Console.WriteLine("  routing  routing decision latency without model calls (16 experts, 10,000 vectors) and index recall [--vectors N] [--queries N]");
    Console.WriteLine("  evaluate side-by-side router evaluation against a running service: --url URL (--set ID | --file set.jsonl) [--routers a,b] [--limit N]");
    Console.WriteLine("  gateway  added latency of ExpertRouter in front of a remote expert; 8 vs 1 concurrent clients on one local expert");
    Console.WriteLine("  batch    64 chat requests over 8 ~100M experts: naive (load per request) vs one batch job through the service [--requests 64] [--tokens 32]");
    Console.WriteLine("  vectors  embedded vector index: search p50/p99 (with/without filter) and recall@10 at 10k/100k x 384/512 [--counts 10000,100000] [--dims 384,512] [--queries 2000]");
    return 2;
}
