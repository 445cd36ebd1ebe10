using System.Text.Json.Nodes;

namespace IdsHalfOpen.Integration.Tests.Compose;

public class JsonSchemaValidatorTests
{
    private static List<SchemaError> Validate(string schema, string instance) =>
        new JsonSchemaValidator(JsonNode.Parse(schema)!).Validate(JsonNode.Parse(instance));

    /// <summary>Each keyword with an instance it accepts and one it rejects.</summary>
    public static TheoryData<string, string, bool> Cases => new()
    {
        { """{"type":"string"}""", "\"a\"", true },
        { """{"type":"string"}""", "1", false },
        { """{"type":["string","null"]}""", "null", true },
        { """{"type":["string","null"]}""", "false", false },
        { """{"type":"integer"}""", "3", true },
        { """{"type":"integer"}""", "3.0", true },
        { """{"type":"integer"}""", "3.5", false },
        { """{"type":"number"}""", "3", true },
        { """{"type":"number"}""", "\"3\"", false },
        { """{"type":"boolean"}""", "true", true },
        { """{"type":"boolean"}""", "\"true\"", false },
        { """{"type":"object"}""", "[]", false },
        { """{"type":"array"}""", "{}", false },
        { """{"enum":["a",1,null]}""", "1", true },
        { """{"enum":["a",1,null]}""", "\"b\"", false },
        { """{"const":{"a":[1]}}""", """{"a":[1]}""", true },
        { """{"const":{"a":[1]}}""", """{"a":[2]}""", false },
        { """{"properties":{"a":{"type":"string"}}}""", """{"a":"x","b":1}""", true },
        { """{"properties":{"a":{"type":"string"}}}""", """{"a":1}""", false },
        { """{"properties":{"a":{}},"additionalProperties":false}""", """{"a":1}""", true },
        { """{"properties":{"a":{}},"additionalProperties":false}""", """{"a":1,"b":2}""", false },
        { """{"patternProperties":{"^x-":{}},"additionalProperties":false}""", """{"x-any":{"deep":1}}""", true },
        { """{"patternProperties":{"^x-":{}},"additionalProperties":false}""", """{"y-any":1}""", false },
        { """{"patternProperties":{"^[a-z]+$":{"type":"integer"}}}""", """{"abc":1}""", true },
        { """{"patternProperties":{"^[a-z]+$":{"type":"integer"}}}""", """{"abc":"1"}""", false },
        { """{"additionalProperties":{"type":"integer"}}""", """{"a":1}""", true },
        { """{"additionalProperties":{"type":"integer"}}""", """{"a":"1"}""", false },
        { """{"required":["a","b"]}""", """{"a":1,"b":null}""", true },
        { """{"required":["a","b"]}""", """{"a":1}""", false },
        { """{"minProperties":1,"maxProperties":2}""", """{"a":1}""", true },
        { """{"minProperties":1,"maxProperties":2}""", """{}""", false },
        { """{"items":{"type":"string"}}""", """["a","b"]""", true },
        { """{"items":{"type":"string"}}""", """["a",2]""", false },
        { """{"items":[{"type":"string"},{"type":"integer"}]}""", """["a",2,true]""", true },
        { """{"items":[{"type":"string"},{"type":"integer"}]}""", """[2,"a"]""", false },
        { """{"minItems":1,"maxItems":2}""", """[1,2]""", true },
        { """{"minItems":1,"maxItems":2}""", """[1,2,3]""", false },
        { """{"uniqueItems":true}""", """[1,"1",[1]]""", true },
        { """{"uniqueItems":true}""", """[{"a":1},{"a":1}]""", false },
        { """{"minimum":1,"maximum":3}""", "3", true },
        { """{"minimum":1,"maximum":3}""", "0.5", false },
        { """{"exclusiveMinimum":1}""", "1", false },
        { """{"exclusiveMaximum":1}""", "0.9", true },
        { """{"minLength":2,"maxLength":3}""", "\"ab\"", true },
        { """{"minLength":2,"maxLength":3}""", "\"abcd\"", false },
        { """{"pattern":"[0-9]+"}""", "\"a1b\"", true }, // unanchored, as JSON Schema defines it
        { """{"pattern":"^[0-9]+$"}""", "\"a1b\"", false },
        { """{"pattern":"^[0-9]+$"}""", "12", true }, // pattern applies to strings only
        { """{"oneOf":[{"type":"string"},{"type":"integer"}]}""", "1", true },
        { """{"oneOf":[{"type":"string"},{"type":"integer"}]}""", "true", false },
        { """{"oneOf":[{"type":"number"},{"type":"integer"}]}""", "1", false }, // two match: not exactly one
        { """{"anyOf":[{"type":"number"},{"type":"integer"}]}""", "1", true },
        { """{"anyOf":[{"type":"number"},{"type":"integer"}]}""", "\"1\"", false },
        { """{"allOf":[{"minimum":1},{"maximum":2}]}""", "2", true },
        { """{"allOf":[{"minimum":1},{"maximum":2}]}""", "3", false },
        { """{"not":{"type":"string"}}""", "1", true },
        { """{"not":{"type":"string"}}""", "\"1\"", false },
        { """{"definitions":{"port":{"type":"integer"}},"properties":{"p":{"$ref":"#/definitions/port"}}}""", """{"p":80}""", true },
        { """{"definitions":{"port":{"type":"integer"}},"properties":{"p":{"$ref":"#/definitions/port"}}}""", """{"p":"80"}""", false },
        { """{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"type":"null"}},"$ref":"#/definitions/a"}""", "null", true },
        { """{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"type":"null"}},"$ref":"#/definitions/a"}""", "0", false },
        { """{"properties":{"a":false}}""", """{"b":1}""", true },
        { """{"properties":{"a":false}}""", """{"a":1}""", false },
        { """{"format":"uri","description":"x","deprecated":true}""", "\"not a uri\"", true }, // annotations only
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_KeywordCase_AcceptsOrRejects(string schema, string instance, bool valid)
    {
        var errors = Validate(schema, instance);
        Assert.True(valid == (errors.Count == 0), $"{schema} on {instance}: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Validate_NestedError_NamesThePathAndTheKey()
    {
        const string schema = """{"properties":{"services":{"patternProperties":{"^.+$":{"properties":{"image":{"type":"string"}},"additionalProperties":false}}}}}""";

        var errors = Validate(schema, """{"services":{"web/1":{"imagee":"nginx"}}}""");

        Assert.Equal("/services/web~11: property 'imagee' is not allowed", Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData("""{"if":{"type":"string"},"then":{"minLength":1}}""", "if")]
    [InlineData("""{"properties":{"a":{"dependencies":{"b":["c"]}}}}""", "dependencies")]
    [InlineData("""{"oneOf":[{"contains":{"type":"string"}}]}""", "contains")]
    public void Constructor_UnsupportedKeyword_Throws(string schema, string keyword)
    {
        var e = Assert.Throws<NotSupportedException>(() => new JsonSchemaValidator(JsonNode.Parse(schema)!));
        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefThatDoesNotResolve_Throws()
    {
        var validator = new JsonSchemaValidator(JsonNode.Parse("""{"$ref":"#/definitions/missing"}""")!);
        Assert.Throws<FormatException>(() => validator.Validate(JsonNode.Parse("1")));
    }
}
