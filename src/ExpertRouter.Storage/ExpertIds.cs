using System.Runtime.CompilerServices;

namespace ExpertRouter.Storage;

/// <summary>The rules for an expert id: 1..128 UTF-16 characters, no control characters, no lone surrogates. Case-sensitive.</summary>
public static class ExpertIds
{
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="id"/> is not a valid expert id, or null when it is.</summary>
    public static string? GetError(string? id)
    {
        if (id is null)
        {
            return "An expert id is required.";
        }

        if (id.Length == 0)
        {
            return "An expert id must not be empty.";
        }

        if (id.Length > MaxLength)
        {
            return $"An expert id must be at most {MaxLength} characters (got {id.Length}).";
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsControl(c))
            {
                return $"An expert id must not contain control characters (U+{(int)c:X4} at position {i}).";
            }

            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"An expert id must be valid Unicode (lone surrogate at position {i}).";
            }
        }

        return null;
    }

    public static bool IsValid(string? id) => GetError(id) is null;

    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="id"/> breaks a rule; the message says which.</exception>
    public static void ThrowIfInvalid(string? id, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        if (GetError(id) is { } error)
        {
            throw new ArgumentException(error, paramName);
        }
    }
}
