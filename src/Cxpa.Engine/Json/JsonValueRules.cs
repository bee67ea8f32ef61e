using System;

namespace Cxpa.Engine.Json
{
    /// <summary>
    /// What <see cref="JsonTree.Write(System.Text.Json.Utf8JsonWriter, object?, int)"/> does with a value that has no plain
    /// JSON form. <see cref="Lenient"/> (request bodies, whose input the cmdlets have already checked): NaN and Infinity
    /// become null, a key and any other value their invariant text. <see cref="Strict"/> (JWT claims): each of those is
    /// refused, naming the subject, as are the scalars only bodies carry (JsonText, BigInteger, Uri, TimeSpan).
    /// </summary>
    internal sealed class JsonValueRules
    {
        /// <summary>The rules for request bodies.</summary>
        internal static readonly JsonValueRules Lenient = new JsonValueRules(null);

        private readonly string? _subject;

        private JsonValueRules(string? subject) => _subject = subject;

        /// <summary>Refusing rules; <paramref name="subject"/> starts every message ("The claim 'exp'").</summary>
        internal static JsonValueRules Strict(string subject) => new JsonValueRules(subject ?? throw new ArgumentNullException(nameof(subject)));

        internal bool IsStrict => _subject != null;

        internal ArgumentException TooDeep() => _subject == null
            ? new ArgumentException($"The value is nested deeper than {JsonTree.MaxDepth} levels (or refers to itself).")
            : new ArgumentException($"{_subject} is nested deeper than {JsonTree.MaxDepth} levels (a cycle?).");

        internal ArgumentException NotFinite() => new ArgumentException($"{_subject} is not a finite number.");

        internal ArgumentException KeyNotText() => new ArgumentException($"{_subject} holds a dictionary with a key that is not a string.");

        internal ArgumentException NotPlain(object value) => new ArgumentException(
            $"{_subject} has a value of type {value.GetType().FullName}, which is not a plain JSON value (string, number, bool, null, list, dictionary).");
    }
}
