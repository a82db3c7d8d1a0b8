namespace ExpertRouter.Core.Batches;

/// <summary>An uploaded (or generated) file: its metadata; the bytes live under <c>{DataDirectory}/files/{Id}</c>.</summary>
public sealed record StoredFile(string Id, string Purpose, string Filename, long Bytes, DateTimeOffset CreatedAt);
