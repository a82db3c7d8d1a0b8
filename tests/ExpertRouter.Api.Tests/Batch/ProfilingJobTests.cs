using System.Net;
using System.Text.Json;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>Profiling runs are jobs of the durable queue: visible under /api/jobs, cancellable either way.</summary>
public sealed class ProfilingJobTests
{
    private static string Jsonl(int count) => string.Join("\n", Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
    {
        question = $"Question {i}: which option is right?",
        choices = new[] { "first", "second", "third", "fourth" },
        answer = "ABCD"[i % 4].ToString(),
        skills = new[] { i % 2 == 0 ? "algebra" : "genetics" },
    })));

    [Fact]
    public async Task ProfilingRuns_RunAsQueueJobs_AndCancelThroughEitherApi()
    {
        await using var host = await ServiceHost.StartAsync();
        var setId = (await ProfilingTestData.ImportAsync(host.Http, Jsonl(6), "jobs")).GetProperty("set").GetProperty("id").GetString();
        var settings = new { maxAnswerTokens = 4, keywordModel = "demo-general", aggregatorBenchmarkItems = 2 };

        var (status, run) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = setId, profileId = "jobs", settings });
        Assert.Equal(202, status);
        var runId = run.GetProperty("id").GetString()!;
        var job = await BatchTestData.WaitForJobAsync(host.Http, runId);

        Assert.Equal("profiling", job.GetProperty("kind").GetString());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal("completed", (await host.GetJsonAsync("/api/profiling-runs/" + runId)).GetProperty("status").GetString());
        Assert.Equal(runId, job.GetProperty("progress").GetProperty("profilingRun").GetString());
        var listed = await host.GetJsonAsync("/api/jobs?kind=profiling");
        Assert.Contains(listed.EnumerateArray(), j => j.GetProperty("id").GetString() == runId);

        // Cancelled through the profiling API, and through the jobs API.
        foreach (var viaJobs in new[] { false, true })
        {
            var (_, next) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = setId, profileId = "jobs", settings });
            var id = next.GetProperty("id").GetString()!;
            using var cancel = await host.Http.PostAsync(viaJobs ? $"/api/jobs/{id}/cancel" : $"/api/profiling-runs/{id}/cancel", null);
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("cancelled", (await BatchTestData.WaitForJobAsync(host.Http, id)).GetProperty("status").GetString());

            Assert.Equal("cancelled", (await host.GetJsonAsync("/api/profiling-runs/" + id)).GetProperty("status").GetString());
        }
    }
}
