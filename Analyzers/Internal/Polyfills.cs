using System.Collections.Generic;

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 code declare records and init-only setters.</summary>
    internal static class IsExternalInit
    {
    }
}

namespace TypedMail.Analyzers.Internal
{
    internal static class DictionaryExtensions
    {
        /// <summary>The value for <paramref name="key"/>, or the default when there is none (netstandard2.0 lacks GetValueOrDefault).</summary>
        public static TValue? Get<TKey, TValue>(this Dictionary<TKey, TValue> dictionary, TKey key)
            where TKey : notnull
            => dictionary.TryGetValue(key, out var value) ? value : default;
    }
}
