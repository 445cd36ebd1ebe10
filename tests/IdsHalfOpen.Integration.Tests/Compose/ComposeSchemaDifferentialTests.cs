using System.Text.Json;
using System.Text.Json.Nodes;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Compose;

/// <summary>
/// Our validator against the reference one (Python's jsonschema, Draft7Validator) on many damaged copies of
/// docker-compose.yml: same verdict on every copy. The damage is random with a fixed seed, so a disagreement repeats.
/// </summary>
public class ComposeSchemaDifferentialTests
{
    private const string PythonValidator = """
        import json, sys
        from jsonschema import Draft7Validator
        data = json.load(sys.stdin)
        validator = Draft7Validator(data["schema"])
        print(json.dumps([validator.is_valid(i) for i in data["instances"]]))
        """;

    [RequiresPythonModuleFact("jsonschema")]
    public void Validate_RandomlyDamagedComposeFiles_AgreesWithPythonJsonSchema()
    {
        ToolGuard.Require("python3");
        var original = YamlJson.Convert(ComposeFileTests.ComposeText)!;
        var random = new Random(20240301);
        var instances = new List<JsonNode> { original.DeepClone() };
        for (int i = 0; i < 400; i++)
        {
            var copy = original.DeepClone();
            int damages = 1 + random.Next(3);
            for (int d = 0; d < damages; d++) Damage(copy, random);
            instances.Add(copy);
        }

        string schema = File.ReadAllText(Path.Combine(RepoPaths.Shared, "schemas", "compose-spec.json"));
        var input = new JsonObject { ["schema"] = JsonNode.Parse(schema), ["instances"] = new JsonArray([.. instances]) };
        var (exit, stdout, stderr) = TestEnvironment.Run("python3", ["-c", PythonValidator], TimeSpan.FromMinutes(2), input.ToJsonString());
        Assert.True(exit == 0, stderr);
        var reference = JsonSerializer.Deserialize<bool[]>(stdout)!;

        Assert.Equal(instances.Count, reference.Length);
        Assert.True(reference[0], "the shipped file must be valid for the reference validator too");
        int invalid = reference.Count(v => !v);
        Assert.True(invalid > 50 && invalid < instances.Count - 50, $"the damage should break some copies and spare others ({invalid} of {instances.Count} invalid)");
        for (int i = 0; i < instances.Count; i++)
        {
            var errors = ComposeFileTests.ComposeSchema.Validate(instances[i]);
            Assert.True(reference[i] == (errors.Count == 0), $"copy {i}: reference says {(reference[i] ? "valid" : "invalid")}, ours: {string.Join("; ", errors.Take(3))}\n{instances[i].ToJsonString()}");
        }
    }

    /// <summary>One random change at a random place: drop, rename or add a key, retype a value, duplicate a list item.</summary>
    private static void Damage(JsonNode root, Random random)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var target = containers[random.Next(containers.Count)];
        JsonNode[] replacements = [JsonValue.Create("text"), JsonValue.Create(7), JsonValue.Create(-1.5), JsonValue.Create(true), new JsonArray(JsonValue.Create("a")), new JsonObject { ["k"] = "v" }];
        if (target is JsonObject obj && obj.Count > 0)
        {
            var key = obj.ElementAt(random.Next(obj.Count)).Key;
            switch (random.Next(4))
            {
                case 0:
                    obj.Remove(key);
                    break;
                case 1:
                    var value = obj[key];
                    obj.Remove(key);
                    obj[key + "x"] = value;
                    break;
                case 2:
                    obj[key] = replacements[random.Next(replacements.Length)].DeepClone();
                    break;
                default:
                    obj[random.Next(2) == 0 ? "x-extension" : "unknown"] = replacements[random.Next(replacements.Length)].DeepClone();
                    break;
            }
        }
        else if (target is JsonArray array && array.Count > 0)
        {
            int index = random.Next(array.Count);
            if (random.Next(2) == 0) array.Add(array[index]!.DeepClone());
            else array[index] = replacements[random.Next(replacements.Length)].DeepClone();
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> containers)
    {
        if (node is JsonObject obj)
        {
            containers.Add(obj);
            foreach (var (_, value) in obj) Collect(value, containers);
        }
        else if (node is JsonArray array)
        {
            containers.Add(array);
            foreach (var item in array) Collect(item, containers);
        }
    }
}

/// <summary>
/// A fact that needs python3 with a module. Outside CI a missing one skips the test with the reason; under CI=true it
/// runs and fails, as <see cref="RequiresToolsFactAttribute"/> does for tools.
/// </summary>
public sealed class RequiresPythonModuleFactAttribute : FactAttribute
{
    public RequiresPythonModuleFactAttribute(string module)
    {
        if (TestEnvironment.IsCi) return;
        if (TestEnvironment.FindTool("python3") is null) { Skip = "missing: python3 (under CI=true this test fails instead)"; return; }
        if (TestEnvironment.Run("python3", ["-c", "import " + module], TimeSpan.FromSeconds(30)).ExitCode != 0)
        {
            Skip = $"missing: the python3 module {module} (apt-get install python3-{module}; under CI=true this test fails instead)";
        }
    }
}
