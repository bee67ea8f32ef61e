using System;
using System.Text.Json;

namespace Cxpa.Engine.Json
{
    /// <summary>JSON text given by the user, sent as it is once checked to be a JSON object.</summary>
    public sealed class JsonText
    {
        /// <summary>Checks that the text is one JSON object.</summary>
        public JsonText(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            try
            {
                using var doc = JsonDocument.Parse(text, JsonTree.DocumentOptions);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new ArgumentException($"The JSON text must be an object ({{...}}), not {JsonTree.KindName(doc.RootElement.ValueKind)}.");
            }
            catch (JsonException ex)
            {
                throw new ArgumentException("The text is not valid JSON: " + ex.Message, ex);
            }
            Text = text;
        }

        /// <summary>The JSON text.</summary>
        public string Text { get; }

        /// <inheritdoc />
        public override string ToString() => Text;
    }
}
