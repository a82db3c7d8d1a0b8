using System.Text;
using System.Text.Json;

namespace ExpertRouter.Api.Tests;

/// <summary>Validation sets and profiling runs over plain HTTP (so they also work against a child process).</summary>
internal static class ProfilingTestData
{
    /// <summary>Multiple-choice items over three topics, each with a skill (or none: the keyword model must find them).</summary>
    public static string Jsonl(int count, bool skills = true) => string.Join("\n", Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
    {
        question = $"Question {i}: which option is right about topic {i % 3}?",
        choices = new[] { "first", "second", "third", "fourth" },
        answer = "ABCD"[i % 4].ToString(),
        skills = skills ? new[] { i % 3 == 0 ? "algebra" : i % 3 == 1 ? "genetics" : "contract law" } : null,
    })));

    /// <summary>Imports a validation set; fails the test unless the answer has <paramref name="expectedStatus"/>.</summary>
    public static async Task<JsonElement> ImportAsync(HttpClient http, string jsonl, string name = "e2e", int expectedStatus = 201)
    {
        using var content = new StringContent(jsonl, Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync("/api/validation-sets?name=" + name, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The profiling run once it has ended (completed, failed or cancelled).</summary>
    public static async Task<JsonElement> WaitForRunAsync(HttpClient http, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var run = await Batch.BatchTestData.GetAsync(http, $"/api/profiling-runs/{runId}");
            if (run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, "profiling did not finish: " + run);
            await Task.Delay(100);
        }
    }
}
