using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.Api.Experts;

/// <summary>
/// Whether llama.cpp came up at start-up. When it did not (npm missing, wrong library version, CUDA
/// runtime missing) the service still serves remote experts and local requests get a 503 that
/// says why.
/// </summary>
public sealed class NativeRuntimeState
{
    private volatile string? _error;
    private volatile LlamaBackendInfo? _info;

    public LlamaBackendInfo? Info => _info;

    public string? Error => _error;

    public bool IsReady => _info is not null;

    public void SetReady(LlamaBackendInfo info) => (_info, _error) = (info, null);

    public void SetFailed(string error) => _error = error;

    public void ThrowIfUnavailable()
    {
        if (_info is null)
        {
            throw new LocalEngineUnavailableException(_error is null
                ? "The local llama.cpp engine is still starting; retry in a moment."
                : "The local llama.cpp engine is unavailable: " + _error);
        }
    }
}
