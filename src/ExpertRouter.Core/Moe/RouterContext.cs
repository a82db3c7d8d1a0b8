using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Core.Moe;

/// <summary>What routers share: the profile a request uses and which of its experts are still registered.</summary>
public sealed class RouterContext(IProfilingStore profiles, IExpertStore registry, Microsoft.Extensions.Options.IOptions<MoeOptions> options)
{
    /// <summary>The override, the configured default, or the newest profile; null when there is none and <paramref name="required"/> is false.</summary>
    public async Task<SkillProfileSet?> ProfileAsync(string? profileId, bool required, CancellationToken cancellationToken)
    {
        var id = profileId ?? options.Value.DefaultProfile;
        SkillProfileSet? profile;
        if (id is not null)
        {
            profile = await profiles.GetProfileAsync(id, null, cancellationToken).ConfigureAwait(false);
            if (profile is null && (required || profileId is not null))
            {
                throw new MoeUnavailableException($"There is no skill profile '{id}'. Run profiling first: POST /api/profiling-runs.");
            }
        }
        else
        {
            profile = (await profiles.ListProfilesAsync(cancellationToken).ConfigureAwait(false)).OrderByDescending(p => p.CreatedAt).FirstOrDefault();
        }

        return profile is null && required
            ? throw new MoeUnavailableException("There is no skill profile yet. Import a validation set (POST /api/validation-sets) and run profiling (POST /api/profiling-runs) first.")
            : profile;
    }

    public async Task<IReadOnlyList<ExpertDefinition>> RegisteredAsync(CancellationToken cancellationToken) =>
        await registry.ListAsync(cancellationToken).ConfigureAwait(false);
}
