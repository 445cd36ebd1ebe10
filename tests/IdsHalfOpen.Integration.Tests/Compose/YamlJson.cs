using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IdsHalfOpen.Integration.Tests.Compose;

/// <summary>
/// Turns a YAML document into the JSON a schema validator sees, the way Compose reads it: plain scalars typed by the
/// YAML 1.2 core schema (null, true/false, integers, floats), quoted and block scalars always strings, anchors and
/// aliases resolved, and <c>&lt;&lt;</c> merge keys applied (local keys win; in a list of maps, the earlier map wins).
/// </summary>
internal static partial class YamlJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml)) stream.Load(reader);
        if (stream.Documents.Count != 1) throw new FormatException($"expected one YAML document, found {stream.Documents.Count}");
        return Node(stream.Documents[0].RootNode);
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlScalarNode scalar => Scalar(scalar),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Node)]),
        YamlMappingNode mapping => Mapping(mapping),
        _ => throw new FormatException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonObject Mapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        var merged = new List<YamlMappingNode>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalarKey) throw new FormatException($"a mapping key at {keyNode.Start} is not a scalar");
            if (key == "<<" && scalarKey.Style == ScalarStyle.Plain)
            {
                switch (valueNode)
                {
                    case YamlMappingNode single: merged.Add(single); break;
                    case YamlSequenceNode list: merged.AddRange(list.Children.Select(c => c as YamlMappingNode ?? throw new FormatException($"a merge list item at {c.Start} is not a mapping"))); break;
                    default: throw new FormatException($"the merge key at {keyNode.Start} needs a mapping or a list of mappings");
                }

                continue;
            }

            result[key] = Node(valueNode);
        }

        foreach (var source in merged)
        {
            foreach (var (name, value) in Mapping(source))
            {
                if (!result.ContainsKey(name)) result[name] = value?.DeepClone();
            }
        }

        return result;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        // An explicit tag decides; otherwise only plain scalars are resolved (core schema), everything else is a string.
        if (!scalar.Tag.IsEmpty && scalar.Tag.Value != "!")
        {
            return scalar.Tag.Value switch
            {
                "tag:yaml.org,2002:str" => JsonValue.Create(text),
                "tag:yaml.org,2002:null" => null,
                _ => Resolve(text) ?? throw new FormatException($"cannot apply tag {scalar.Tag.Value} at {scalar.Start}"),
            };
        }

        if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(text);
        return text is "" or "~" or "null" or "Null" or "NULL" ? null : Resolve(text) ?? JsonValue.Create(text);
    }

    private static JsonValue? Resolve(string text)
    {
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (DecimalInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return JsonValue.Create(n);
        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text[2..].All(c => c is >= '0' and <= '7')) return JsonValue.Create(System.Convert.ToInt64(text[2..], 8));
        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex)) return JsonValue.Create(hex);
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return JsonValue.Create(d);
        // .inf and .nan are floats in YAML but have no JSON form; leave them to the caller as strings.
        return null;
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
