namespace ExpertRouter.Testing;

/// <summary>Runs actions truly at once: each on its own thread, all released together by a barrier.</summary>
public static class Concurrently
{
    /// <summary>Runs <paramref name="action"/>(0..count-1) at once and returns the results in index order.</summary>
    public static async Task<T[]> RunAsync<T>(int count, Func<int, Task<T>> action)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(action);
        using var barrier = new Barrier(count);
        var tasks = new Task<T>[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            tasks[i] = Task.Factory.StartNew(
                () =>
                {
                    // Dedicated threads (LongRunning) so the barrier never waits on thread-pool growth.
                    barrier.SignalAndWait(TimeSpan.FromSeconds(30));
                    return action(index);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap();
        }

        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public static Task RunAsync(int count, Func<int, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RunAsync(count, async i =>
        {
            await action(i).ConfigureAwait(false);
            return true;
        });
    }
}
