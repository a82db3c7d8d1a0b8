namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>A model does not fit the memory budget (now, or ever); HTTP 503.</summary>
public sealed class ModelBudgetExceededException : Exception
{
    public ModelBudgetExceededException() { }

    public ModelBudgetExceededException(string message) : base(message) { }

    public ModelBudgetExceededException(string message, Exception innerException) : base(message, innerException) { }
}
