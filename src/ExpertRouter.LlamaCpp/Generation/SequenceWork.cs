using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>State of one sequence inside a decode loop; touched only by the loop thread after enqueue.</summary>
internal sealed class SequenceWork
{
    public SequenceWork(GenerationRequest request, TokenPieceCache pieces, CancellationToken cancellationToken)
    {
        Request = request;
        CancellationToken = cancellationToken;
        Sampler = new TokenSampler(request.Sampling, request.Prompt.Select(t => t.Value));
        Decoder = new TokenTextDecoder(pieces);
        Stops = new StopStringMatcher(request.StopStrings);
        Output = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        Enqueued = Stopwatch.GetTimestamp();
    }

    private int _queueState; // 0 waiting, 1 admitted (or failed at shutdown), 2 cancelled while waiting

    /// <summary>Moves the work out of the queue exactly once: false when something else already did.</summary>
    public bool TryLeaveQueue(bool cancelled) => Interlocked.CompareExchange(ref _queueState, cancelled ? 2 : 1, 0) == 0;

    public CancellationTokenRegistration QueueRegistration { get; set; }

    public GenerationRequest Request { get; }

    public CancellationToken CancellationToken { get; }

    public TokenSampler Sampler { get; }

    public TokenTextDecoder Decoder { get; }

    public StopStringMatcher Stops { get; }

    public Channel<GenerationUpdate> Output { get; }

    public StringBuilder Text { get; } = new();

    public LlamaSeqId Seq { get; set; }

    /// <summary>Position the next token (<see cref="Pending"/>) goes to.</summary>
    public int Position { get; set; }

    /// <summary>The sampled token not yet fed to the model.</summary>
    public LlamaToken Pending { get; set; }

    public int BatchIndex { get; set; }

    public int Generated { get; set; }

    public double CertaintySum { get; set; }

    public long Enqueued { get; }

    public long Started { get; set; }

    public long FirstToken { get; set; }
}
