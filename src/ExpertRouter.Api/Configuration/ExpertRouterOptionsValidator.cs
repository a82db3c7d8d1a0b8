using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Configuration;

/// <summary>Fails start-up with every problem in the <c>ExpertRouter</c> settings, each naming the setting.</summary>
public sealed class ExpertRouterOptionsValidator : IValidateOptions<ExpertRouterOptions>
{
    public ValidateOptionsResult Validate(string? name, ExpertRouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
