using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>A page of OpenAI objects (<c>object: "list"</c>) with cursor ids, as <c>/v1/files</c> and <c>/v1/batches</c> return them.</summary>
public sealed class ListPageDto<T>
{
    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "list";

    [JsonPropertyName("data")]
    public required List<T> Data { get; init; }

    [JsonPropertyName("first_id")]
    public string? FirstId { get; init; }

    [JsonPropertyName("last_id")]
    public string? LastId { get; init; }

    [JsonPropertyName("has_more")]
    public bool HasMore { get; init; }
}

/// <summary>Builds <see cref="ListPageDto{T}"/> pages.</summary>
public static class ListPageDto
{
    /// <summary>
    /// The first <paramref name="take"/> records of <paramref name="fetched"/> (which was read with one extra record
    /// to tell whether more follow), mapped to DTOs.
    /// </summary>
    public static ListPageDto<T> Create<TRecord, T>(IReadOnlyList<TRecord> fetched, int take, Func<TRecord, T> map, Func<T, string> id)
    {
        var data = fetched.Take(take).Select(map).ToList();
        return new ListPageDto<T>
        {
            Data = data,
            FirstId = data.Count > 0 ? id(data[0]) : null,
            LastId = data.Count > 0 ? id(data[^1]) : null,
            HasMore = fetched.Count > take,
        };
    }
}
