using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IdsHalfOpen.Integration.Tests.Compose;

/// <summary>One way an instance breaks its schema: a JSON pointer into the instance and what is wrong there.</summary>
internal sealed record SchemaError(string InstancePath, string Message)
{
    public override string ToString() => $"{(InstancePath.Length == 0 ? "/" : InstancePath)}: {Message}";
}

/// <summary>
/// A JSON Schema (draft-07) validator for the keywords the Compose specification's schema uses, and the few simple
/// ones beside them: type, enum, const, properties, patternProperties, additionalProperties, required, min/max
/// properties, items, min/max items, uniqueItems, minimum, maximum, exclusive bounds, min/max length, pattern, oneOf,
/// anyOf, allOf, not, and local $ref. format and the annotations are read and ignored, as draft-07 allows. The
/// NuGet feed here has no validator whose dependencies it also has, hence this one. Any other keyword makes the
/// constructor throw, so a future schema that needs more fails loudly instead of validating less.
/// </summary>
internal sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "title", "description", "default", "deprecated", "examples", "readOnly", "writeOnly", "format", "definitions", "$defs",
    };

    private static readonly HashSet<string> s_assertions = new(StringComparer.Ordinal)
    {
        "type", "enum", "const", "properties", "patternProperties", "additionalProperties", "required", "minProperties", "maxProperties",
        "items", "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "oneOf", "anyOf", "allOf", "not", "$ref",
    };

    private readonly JsonNode _root;
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    public JsonSchemaValidator(JsonNode root)
    {
        _root = root;
        var unsupported = new SortedSet<string>(StringComparer.Ordinal);
        CheckKeywords(root, "#", unsupported);
        if (unsupported.Count > 0) throw new NotSupportedException("schema keywords this validator does not implement: " + string.Join(", ", unsupported));
    }

    public List<SchemaError> Validate(JsonNode? instance)
    {
        // Re-read the instance from text so every value is backed by a JsonElement and converts to any number type.
        var normalized = instance is null ? null : JsonNode.Parse(instance.ToJsonString());
        var errors = new List<SchemaError>();
        Validate(_root, normalized, "", errors, depth: 0);
        return errors;
    }

    private static void CheckKeywords(JsonNode? schema, string where, SortedSet<string> unsupported)
    {
        if (schema is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return;
        if (schema is not JsonObject obj) throw new FormatException($"{where}: a schema must be an object or a boolean");
        foreach (var (keyword, value) in obj)
        {
            if (!s_annotations.Contains(keyword) && !s_assertions.Contains(keyword)) unsupported.Add($"{keyword} (at {where})");
            switch (keyword)
            {
                case "properties" or "patternProperties" or "definitions" or "$defs":
                    foreach (var (name, sub) in value!.AsObject()) CheckKeywords(sub, $"{where}/{keyword}/{name}", unsupported);
                    break;
                case "additionalProperties" or "not" or "items" when value is JsonObject:
                    CheckKeywords(value, $"{where}/{keyword}", unsupported);
                    break;
                case "items" when value is JsonArray tuple:
                    for (int i = 0; i < tuple.Count; i++) CheckKeywords(tuple[i], $"{where}/items/{i}", unsupported);
                    break;
                case "oneOf" or "anyOf" or "allOf":
                    var list = value!.AsArray();
                    for (int i = 0; i < list.Count; i++) CheckKeywords(list[i], $"{where}/{keyword}/{i}", unsupported);
                    break;
            }
        }
    }

    private void Validate(JsonNode? schema, JsonNode? instance, string path, List<SchemaError> errors, int depth)
    {
        if (depth > 200) throw new InvalidOperationException("schema recursion too deep (a $ref cycle?)");
        if (schema is JsonValue boolean)
        {
            if (boolean.GetValueKind() == JsonValueKind.False) errors.Add(new SchemaError(path, "no value is allowed here"));
            return;
        }

        var s = schema!.AsObject();
        // Draft-07: beside $ref, every other keyword is ignored.
        if (s["$ref"] is JsonValue reference)
        {
            Validate(Resolve(reference.GetValue<string>()), instance, path, errors, depth + 1);
            return;
        }

        var kind = KindOf(instance);
        if (s["type"] is { } type && !TypeMatches(type, instance, kind))
        {
            errors.Add(new SchemaError(path, $"{Describe(instance)} is not of type {type.ToJsonString()}"));
            return; // the other keywords would only repeat the mismatch
        }

        if (s["enum"] is JsonArray choices && !choices.Any(c => JsonNode.DeepEquals(c, instance)))
        {
            errors.Add(new SchemaError(path, $"{Describe(instance)} is not one of {choices.ToJsonString()}"));
        }

        if (s.TryGetPropertyValue("const", out var constant) && !JsonNode.DeepEquals(constant, instance))
        {
            errors.Add(new SchemaError(path, $"{Describe(instance)} is not {constant?.ToJsonString() ?? "null"}"));
        }

        switch (kind)
        {
            case "object":
                ValidateObject(s, instance!.AsObject(), path, errors, depth);
                break;
            case "array":
                ValidateArray(s, instance!.AsArray(), path, errors, depth);
                break;
            case "number" or "integer":
                ValidateNumber(s, instance!.GetValue<double>(), path, errors);
                break;
            case "string":
                ValidateString(s, instance!.GetValue<string>(), path, errors);
                break;
        }

        ValidateCombinators(s, instance, path, errors, depth);
    }

    private void ValidateObject(JsonObject s, JsonObject instance, string path, List<SchemaError> errors, int depth)
    {
        if (s["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (!instance.ContainsKey(name)) errors.Add(new SchemaError(path, $"required property '{name}' is missing"));
            }
        }

        if (s["minProperties"] is { } minProperties && instance.Count < minProperties.GetValue<int>()) errors.Add(new SchemaError(path, $"has fewer than {minProperties} properties"));
        if (s["maxProperties"] is { } maxProperties && instance.Count > maxProperties.GetValue<int>()) errors.Add(new SchemaError(path, $"has more than {maxProperties} properties"));

        var properties = s["properties"] as JsonObject;
        var patterns = s["patternProperties"] as JsonObject;
        bool hasAdditional = s.TryGetPropertyValue("additionalProperties", out var additional);
        foreach (var (name, value) in instance)
        {
            string child = path + "/" + EscapePointer(name);
            bool matched = false;
            if (properties is not null && properties.TryGetPropertyValue(name, out var propertySchema))
            {
                matched = true;
                Validate(propertySchema, value, child, errors, depth + 1);
            }

            if (patterns is not null)
            {
                foreach (var (pattern, patternSchema) in patterns)
                {
                    if (!Regex(pattern).IsMatch(name)) continue;
                    matched = true;
                    Validate(patternSchema, value, child, errors, depth + 1);
                }
            }

            if (matched || !hasAdditional) continue;
            if (additional is JsonValue allowed && allowed.GetValueKind() == JsonValueKind.False) errors.Add(new SchemaError(path, $"property '{name}' is not allowed"));
            else Validate(additional, value, child, errors, depth + 1);
        }
    }

    private void ValidateArray(JsonObject s, JsonArray instance, string path, List<SchemaError> errors, int depth)
    {
        if (s["minItems"] is { } minItems && instance.Count < minItems.GetValue<int>()) errors.Add(new SchemaError(path, $"has fewer than {minItems} items"));
        if (s["maxItems"] is { } maxItems && instance.Count > maxItems.GetValue<int>()) errors.Add(new SchemaError(path, $"has more than {maxItems} items"));
        if (s["items"] is JsonArray tuple)
        {
            for (int i = 0; i < instance.Count && i < tuple.Count; i++) Validate(tuple[i], instance[i], path + "/" + i.ToString(CultureInfo.InvariantCulture), errors, depth + 1);
        }
        else if (s["items"] is { } items)
        {
            for (int i = 0; i < instance.Count; i++) Validate(items, instance[i], path + "/" + i.ToString(CultureInfo.InvariantCulture), errors, depth + 1);
        }

        if (s["uniqueItems"] is JsonValue unique && unique.GetValueKind() == JsonValueKind.True)
        {
            for (int i = 0; i < instance.Count; i++)
            {
                for (int j = i + 1; j < instance.Count; j++)
                {
                    if (JsonNode.DeepEquals(instance[i], instance[j])) errors.Add(new SchemaError(path, $"items {i} and {j} are equal, but items must be unique"));
                }
            }
        }
    }

    private static void ValidateNumber(JsonObject s, double value, string path, List<SchemaError> errors)
    {
        if (s["minimum"] is { } minimum && value < minimum.GetValue<double>()) errors.Add(new SchemaError(path, $"{value} is less than the minimum {minimum}"));
        if (s["maximum"] is { } maximum && value > maximum.GetValue<double>()) errors.Add(new SchemaError(path, $"{value} is greater than the maximum {maximum}"));
        if (s["exclusiveMinimum"] is { } exclusiveMinimum && value <= exclusiveMinimum.GetValue<double>()) errors.Add(new SchemaError(path, $"{value} is not greater than {exclusiveMinimum}"));
        if (s["exclusiveMaximum"] is { } exclusiveMaximum && value >= exclusiveMaximum.GetValue<double>()) errors.Add(new SchemaError(path, $"{value} is not less than {exclusiveMaximum}"));
    }

    private void ValidateString(JsonObject s, string value, string path, List<SchemaError> errors)
    {
        // Lengths count code points, not UTF-16 units.
        int length = value.EnumerateRunes().Count();
        if (s["minLength"] is { } minLength && length < minLength.GetValue<int>()) errors.Add(new SchemaError(path, $"is shorter than {minLength}"));
        if (s["maxLength"] is { } maxLength && length > maxLength.GetValue<int>()) errors.Add(new SchemaError(path, $"is longer than {maxLength}"));
        if (s["pattern"] is JsonValue pattern && !Regex(pattern.GetValue<string>()).IsMatch(value)) errors.Add(new SchemaError(path, $"\"{value}\" does not match the pattern {pattern}"));
    }

    private void ValidateCombinators(JsonObject s, JsonNode? instance, string path, List<SchemaError> errors, int depth)
    {
        if (s["allOf"] is JsonArray allOf)
        {
            foreach (var sub in allOf) Validate(sub, instance, path, errors, depth + 1);
        }

        if (s["anyOf"] is JsonArray anyOf)
        {
            var branches = anyOf.Select(sub => Branch(sub, instance, path, depth)).ToList();
            if (branches.All(b => b.Count > 0)) errors.Add(new SchemaError(path, $"{Describe(instance)} matches none of the anyOf schemas ({Summarize(branches)})"));
        }

        if (s["oneOf"] is JsonArray oneOf)
        {
            var branches = oneOf.Select(sub => Branch(sub, instance, path, depth)).ToList();
            int passing = branches.Count(b => b.Count == 0);
            if (passing == 0) errors.Add(new SchemaError(path, $"{Describe(instance)} matches none of the oneOf schemas ({Summarize(branches)})"));
            else if (passing > 1) errors.Add(new SchemaError(path, $"{Describe(instance)} matches {passing} of the oneOf schemas, but must match exactly one"));
        }

        if (s["not"] is { } not && Branch(not, instance, path, depth).Count == 0) errors.Add(new SchemaError(path, $"{Describe(instance)} must not match the 'not' schema"));
    }

    private List<SchemaError> Branch(JsonNode? schema, JsonNode? instance, string path, int depth)
    {
        var branchErrors = new List<SchemaError>();
        Validate(schema, instance, path, branchErrors, depth + 1);
        return branchErrors;
    }

    private static string Summarize(List<List<SchemaError>> branches) =>
        string.Join(" | ", branches.Select((b, i) => $"#{i}: {string.Join("; ", b.Take(3))}"));

    private JsonNode? Resolve(string reference)
    {
        if (!reference.StartsWith('#')) throw new NotSupportedException($"only local $ref are supported, not {reference}");
        JsonNode? node = _root;
        foreach (var raw in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var next) => next,
                JsonArray a when int.TryParse(token, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < a.Count => a[i],
                _ => throw new FormatException($"$ref {reference} does not resolve"),
            };
        }

        return node;
    }

    private Regex Regex(string pattern)
    {
        if (!_regexes.TryGetValue(pattern, out var regex))
        {
            // JSON Schema patterns are ECMA-262 and unanchored; .NET's ECMAScript mode is the nearest match.
            regex = new Regex(pattern, RegexOptions.ECMAScript, TimeSpan.FromSeconds(1));
            _regexes[pattern] = regex;
        }

        return regex;
    }

    /// <summary>The JSON type of a value, telling integers (numbers without a fractional part) apart.</summary>
    private static string KindOf(JsonNode? node)
    {
        if (node is null) return "null";
        return node.GetValueKind() switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => node.AsValue().TryGetValue<decimal>(out var d) ? (decimal.Truncate(d) == d ? "integer" : "number") : (Math.Floor(node.GetValue<double>()) == node.GetValue<double>() ? "integer" : "number"),
            _ => "null",
        };
    }

    private static bool TypeMatches(JsonNode type, JsonNode? instance, string kind)
    {
        var names = type is JsonArray list ? list.Select(t => t!.GetValue<string>()) : [type.GetValue<string>()];
        return names.Any(name => name == kind || (name == "number" && kind == "integer"));
    }

    private static string Describe(JsonNode? instance)
    {
        string text = instance?.ToJsonString() ?? "null";
        return text.Length > 60 ? text[..60] + "..." : text;
    }

    private static string EscapePointer(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
