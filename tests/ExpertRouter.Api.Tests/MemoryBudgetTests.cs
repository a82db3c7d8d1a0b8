using System.Globalization;
using System.Text.Json;
using ExpertRouter.Api.Experts;
using ExpertRouter.Api.Hosting;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

public sealed class MemoryBudgetTests
{
    [Fact]
    public async Task BudgetForTwoOfThree_IsNeverExceeded_AndBusyModelsAreNeverEvicted()
    {
        // Measure what one demo expert reserves, then start a service whose budget fits two of three.
        long estimate;
        var data = Directory.CreateTempSubdirectory("er-budget-").FullName;
        try
        {
            await using (var probe = await ServiceHost.StartAsync(dataDirectory: data))
            {
                var provider = probe.Services.GetRequiredService<ExpertClientProvider>();
                var registry = probe.Services.GetRequiredService<ExpertRegistry>();
                var e = await registry.GetRequiredAsync("demo-math");
                estimate = provider.ToSpec(e).Options.EstimateMemory(GgufModelInfo.Read(e.Path!));
            }

            var budget = estimate * 5 / 2;
            await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?>
            {
                ["ExpertRouter:MemoryBudget"] = budget.ToString(CultureInfo.InvariantCulture),
            }, data);
            Assert.Equal(budget, host.Models.BudgetBytes);

            // demo-general is kept busy deterministically by a lease the test holds (as a request being served does),
            // and also really decodes a long story (8 choices x 900 tokens) while the other two are cycled through.
            // (A timing-only version, relying on the story to outlast six swaps, failed on a faster CI machine.)
            var generalSpec = host.Services.GetRequiredService<ExpertClientProvider>()
                .ToSpec(await host.Services.GetRequiredService<ExpertRegistry>().GetRequiredAsync("demo-general"));
            Task<(int Status, JsonElement Body)> busy;
            using (var held = await host.Models.AcquireAsync(generalSpec))
            {
                busy = host.PostJsonAsync("/v1/chat/completions", new
                {
                    model = "demo-general",
                    messages = new[] { new { role = "user", content = "tell a long story" } },
                    n = 8,
                    temperature = 0,
                    max_tokens = 900,
                    ignore_eos = true,
                });
                while (host.Models.GetStatus("demo-general")?.ActiveLeases is null or < 2 && !busy.IsCompleted)
                {
                    await Task.Delay(5);
                }

                var others = new[] { "demo-math", "demo-medicine" };
                for (var round = 0; round < 6; round++)
                {
                    var id = others[round % 2];
                    var r = (await host.OpenAi.GetChatClient(id).CompleteChatAsync([new UserChatMessage("hi " + round)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 4 })).Value;
                    Assert.Equal(4, r.Usage.OutputTokenCount);
                    Assert.True(host.Models.ReservedBytes <= budget);

                    // Every swap had to evict the idle one of the other two, never the busy demo-general.
                    var general = host.Models.GetStatus("demo-general")!;
                    Assert.True(general.ActiveLeases >= 1);
                    Assert.Equal(ModelState.Resident, general.State);
                    Assert.Equal(1, general.Loads);
                    Assert.Equal(0, general.Evictions);
                }
            }

            var (storyStatus, story) = await busy;
            Assert.Equal(200, storyStatus);
            Assert.Equal(8, story.GetProperty("choices").GetArrayLength());

            var math = host.Models.GetStatus("demo-math")!;
            var medicine = host.Models.GetStatus("demo-medicine")!;
            Assert.True(math.Loads + medicine.Loads >= 6, $"math {math.Loads} loads, medicine {medicine.Loads}: the two idle experts should have swapped");
            Assert.True(host.Models.PeakReservedBytes <= budget, $"peak {host.Models.PeakReservedBytes} > budget {budget}");
            Assert.True(host.Models.PeakReservedBytes > estimate, "two models were never resident together");

            // A model that can never fit is refused with a clear 503.
            await using var tiny = await ServiceHost.StartAsync(new Dictionary<string, string?> { ["ExpertRouter:MemoryBudget"] = "1KiB" });
            var (status, body) = await tiny.PostJsonAsync("/v1/chat/completions", new { model = "demo-math", messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(503, status);
            Assert.Equal("insufficient_memory", body.GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
