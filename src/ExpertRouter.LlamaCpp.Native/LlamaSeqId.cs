namespace ExpertRouter.LlamaCpp.Native;

/// <summary>A sequence slot of a context (<c>llama_seq_id</c>), 0 .. n_seq_max - 1.</summary>
public readonly record struct LlamaSeqId(int Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
