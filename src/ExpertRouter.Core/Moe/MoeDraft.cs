using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// The recruited experts' answers and what remains to be done: either the final text is known
/// (passthrough, consensus, vote) or <see cref="Aggregator"/> must synthesise from <see cref="SynthesisPrompt"/>.
/// </summary>
public sealed record MoeDraft(string? FinalText, string? Aggregator, string? SynthesisPrompt, AggregationExplanation Explanation, UsageDetails Usage, ChatFinishReason FinishReason);
