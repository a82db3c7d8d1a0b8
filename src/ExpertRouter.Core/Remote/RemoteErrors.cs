using System.ClientModel;
using ExpertRouter.Core.Experts;

namespace ExpertRouter.Core.Remote;

/// <summary>Turns transport failures of a remote expert into <see cref="ExpertUnavailableException"/>.</summary>
internal static class RemoteErrors
{
    public static Exception Translate(string expertId, Uri endpoint, Exception e, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested && e is OperationCanceledException)
        {
            return e;
        }

        // The SDK's retry policy wraps the attempts' failures: report the last one.
        var cause = e is AggregateException { InnerExceptions.Count: > 0 } agg ? agg.InnerExceptions[^1] : e;
        var translated = cause switch
        {
            ClientResultException c when c.Status > 0 => new ExpertUnavailableException(
                $"Remote expert '{expertId}' ({endpoint}) answered HTTP {c.Status}: {Trim(c.Message)}", false, c.Status, e),
            ClientResultException or HttpRequestException => new ExpertUnavailableException(
                $"Remote expert '{expertId}' ({endpoint}) is unreachable: {Trim(cause.Message)}", false, null, e),
            OperationCanceledException or TimeoutException => new ExpertUnavailableException(
                $"Remote expert '{expertId}' ({endpoint}) did not answer in time.", true, null, e),
            _ => null,
        };
        return translated ?? e;
    }

    private static string Trim(string message) => message.Length > 500 ? message[..500] + "..." : message;
}
