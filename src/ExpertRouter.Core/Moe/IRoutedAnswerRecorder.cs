namespace ExpertRouter.Core.Moe;

/// <summary>Remembers routed answers so that feedback on them can teach the routing memory.</summary>
public interface IRoutedAnswerRecorder
{
    Task RecordAsync(string responseId, string question, IReadOnlyList<string> experts, string router, CancellationToken cancellationToken);
}
