namespace ExpertRouter.LlamaCpp.Native;

/// <summary>A token id of a model's vocabulary (<c>llama_token</c>). Same layout as <see cref="int"/>.</summary>
public readonly record struct LlamaToken(int Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
