using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdsHalfOpen.Output.Kibana;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Output.Tests.Kibana;

public class KibanaDashboardsTests
{
    private static readonly string s_shipped = Encoding.UTF8.GetString(KibanaDashboards.ReadNdjson());

    private static SavedObjectChecker NewChecker() => new(DocumentFields.ForDataViewTitle, Version.Parse(KibanaDashboards.StackVersion));

    [Fact]
    public void ReadNdjson_EmbeddedResource_EqualsTheFileInTheRepository()
    {
        var onDisk = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "src", "IdsHalfOpen.Output", "Kibana", KibanaDashboards.FileName));
        Assert.Equal(onDisk, KibanaDashboards.ReadNdjson());
    }

    [Fact]
    public void ReadNdjson_EveryLine_IsOneCompactSavedObjectEndingInNewline()
    {
        Assert.EndsWith("\n", s_shipped, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', s_shipped);
        var lines = s_shipped[..^1].Split('\n');
        Assert.True(lines.Length >= 8, $"only {lines.Length} objects");
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            Assert.Equal(JsonValueKind.String, root.GetProperty("type").ValueKind);
            Assert.Equal(JsonValueKind.String, root.GetProperty("id").ValueKind);
            Assert.Equal(JsonValueKind.Object, root.GetProperty("attributes").ValueKind);
            Assert.Equal(JsonValueKind.Array, root.GetProperty("references").ValueKind);
        }
    }

    [Fact]
    public void Check_ShippedObjects_HaveNoProblems()
    {
        var problems = NewChecker().Check(s_shipped);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void DataViews_ShippedObjects_CoverBothDataStreamsByTimestamp()
    {
        var views = Objects().Where(o => Type(o) == "index-pattern").Select(o => o["attributes"]!).ToList();
        Assert.Equal(
            new[] { DocumentFields.AlertDataViewTitle, DocumentFields.ConnectionDataViewTitle }.Order(StringComparer.Ordinal),
            views.Select(v => v["title"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(views, v => Assert.Equal("@timestamp", v["timeFieldName"]!.GetValue<string>()));
        Assert.Equal("logs-idshalfopen.alert-*", DocumentFields.AlertDataViewTitle);
        Assert.Equal("logs-idshalfopen.connection-*", DocumentFields.ConnectionDataViewTitle);
    }

    [Fact]
    public void Dashboard_Panels_CoverTheSocViews()
    {
        var objects = Objects();
        var dashboard = Assert.Single(objects, o => Type(o) == "dashboard");
        Assert.Equal(KibanaDashboards.DashboardId, dashboard["id"]!.GetValue<string>());
        var panels = JsonNode.Parse(dashboard["attributes"]!["panelsJSON"]!.GetValue<string>())!.AsArray();
        var refs = dashboard["references"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!["id"]!.GetValue<string>());
        var onDashboard = panels.Select(p => objects.Single(o => o["id"]!.GetValue<string>() == refs[p!["panelIndex"]!.GetValue<string>() + ":" + p["panelRefName"]!.GetValue<string>()])).ToList();
        Assert.All(panels, p => Assert.Equal(KibanaDashboards.StackVersion, p!["version"]!.GetValue<string>()));

        var lenses = onDashboard.Where(o => Type(o) == "lens").Select(Lens).ToList();
        // Alert count.
        Assert.Contains(lenses, l => l.Type == "lnsMetric" && l.Columns.Any(c => c is ("unique_count", "idshalfopen.attack_id") or ("count", _)));
        // Alerts over time split by rule.
        Assert.Contains(lenses, l => l.Type == "lnsXY" && l.Has("date_histogram", "@timestamp") && l.Has("terms", "rule.name") && l.Splits("rule.name"));
        // Top victims as ip:port.
        Assert.Contains(lenses, l => l.Type == "lnsDatatable" && l.Has("terms", "destination.ip") && l.Has("terms", "destination.port"));
        // Top sources.
        Assert.Contains(lenses, l => l.Type == "lnsDatatable" && l.Has("terms", "source.ip"));
        // Embryonic gauge over time: the maximum per victim.
        Assert.Contains(lenses, l => l.Type == "lnsXY" && l.Has("date_histogram", "@timestamp") && l.Has("max", "idshalfopen.embryonic") && l.Splits("destination.ip"));

        // The alert lifecycle table.
        var search = Assert.Single(onDashboard, o => Type(o) == "search");
        Assert.Equal(
            ["event.action", "idshalfopen.phase", "idshalfopen.attack_id", "rule.name", "source.ip", "destination.ip", "destination.port", "idshalfopen.embryonic_peak", "idshalfopen.syn_rate_peak", "idshalfopen.degraded"],
            search["attributes"]!["columns"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    public static TheoryData<string> Mutations => new(s_mutations.Keys);

    /// <summary>Each damage must be caught, with a message naming it: the checker is what makes the test above mean anything.</summary>
    [Theory]
    [MemberData(nameof(Mutations))]
    public void Check_DamagedObjects_ReportTheDamage(string mutation)
    {
        var (damage, expected) = s_mutations[mutation];
        var objects = Objects();
        damage(objects);
        string ndjson = string.Concat(objects.Select(o => o.ToJsonString() + "\n"));

        var problems = NewChecker().Check(ndjson);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static readonly Dictionary<string, (Action<List<JsonObject>> Damage, string Expected)> s_mutations = new()
    {
        ["panelsJSON as an object"] = (os => Attributes(os, "dashboard")["panelsJSON"] = JsonNode.Parse(Attributes(os, "dashboard")["panelsJSON"]!.GetValue<string>()), "must be a JSON string"),
        ["searchSourceJSON not JSON"] = (os => Attributes(os, "search")["kibanaSavedObjectMeta"]!["searchSourceJSON"] = "{\"query\":", "is not valid JSON"),
        ["panel reference missing"] = (os => First(os, "dashboard")["references"]!.AsArray().RemoveAt(0), "needs a reference named 1:panel_1"),
        ["panel reference renamed"] = (os => First(os, "dashboard")["references"]![0]!["name"] = "panel_1", "belongs to no panel"),
        ["panel reference of another type"] = (os => First(os, "dashboard")["references"]![0]!["type"] = "visualization", "not in the file"),
        ["layer reference missing"] = (os => First(os, "lens")["references"]!.AsArray().Clear(), "needs a reference named indexpattern-datasource-layer-"),
        ["dangling data view"] = (os => First(os, "lens")["references"]![0]!["id"] = "no-such-view", "not in the file"),
        ["legacy datasource key"] = (os => RenameDatasource(First(os, "lens")), "'indexpattern'"),
        ["misspelt lens field"] = (os => FirstColumnWith(os, "max")["sourceField"] = "idshalfopen.embryonic_pek", "'idshalfopen.embryonic_pek'"),
        ["max over a keyword"] = (os => FirstColumnWith(os, "max")["sourceField"] = "rule.name", "does not fit"),
        ["misspelt search column"] = (os => Attributes(os, "search")["columns"]![1] = "idshalfopen.phaze", "'idshalfopen.phaze'"),
        ["unknown time field"] = (os => Attributes(os, "index-pattern")["timeFieldName"] = "timestamp", "'timestamp'"),
        ["model version above the stack"] = (os => First(os, "dashboard")["typeMigrationVersion"] = "10.2.0", "above the pinned stack"),
        ["overlapping panels"] = (os => MovePanel(os, 2, 0, 0), "overlaps"),
        ["accessor without column"] = (os => Attributes(os, "lens")["state"]!["visualization"]!["metricAccessor"] = "nothing", "names column nothing"),
    };

    private static List<JsonObject> Objects() => SavedObjectChecker.ParseLines(s_shipped, []);

    private static string Type(JsonObject o) => o["type"]!.GetValue<string>();

    private static JsonObject First(List<JsonObject> objects, string type) => objects.First(o => Type(o) == type);

    private static JsonObject Attributes(List<JsonObject> objects, string type) => First(objects, type)["attributes"]!.AsObject();

    private static JsonObject FirstColumnWith(List<JsonObject> objects, string operation) =>
        objects.Where(o => Type(o) == "lens")
            .SelectMany(o => o["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject().SelectMany(l => l.Value!["columns"]!.AsObject()))
            .Select(c => c.Value!.AsObject())
            .First(c => c["operationType"]!.GetValue<string>() == operation);

    private static void RenameDatasource(JsonObject lens)
    {
        var states = lens["attributes"]!["state"]!["datasourceStates"]!.AsObject();
        var formBased = states["formBased"]!;
        states.Remove("formBased");
        states["indexpattern"] = formBased;
    }

    private static void MovePanel(List<JsonObject> objects, int panel, int x, int y)
    {
        var attributes = Attributes(objects, "dashboard");
        var panels = JsonNode.Parse(attributes["panelsJSON"]!.GetValue<string>())!.AsArray();
        panels[panel - 1]!["gridData"]!["x"] = x;
        panels[panel - 1]!["gridData"]!["y"] = y;
        attributes["panelsJSON"] = panels.ToJsonString();
    }

    private sealed record LensView(string Type, List<(string Operation, string? Field)> Columns, JsonNode Visualization, Dictionary<string, string?> FieldOfColumn)
    {
        public bool Has(string operation, string field) => Columns.Contains((operation, field));

        /// <summary>True when an XY layer splits its series by a column over <paramref name="field"/>.</summary>
        public bool Splits(string field) =>
            Visualization["layers"]!.AsArray().Any(l => l!["splitAccessor"] is { } s && FieldOfColumn.GetValueOrDefault(s.GetValue<string>()) == field);
    }

    private static LensView Lens(JsonObject lens)
    {
        var attributes = lens["attributes"]!;
        var columns = attributes["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject()
            .SelectMany(l => l.Value!["columns"]!.AsObject())
            .ToList();
        return new LensView(
            attributes["visualizationType"]!.GetValue<string>(),
            columns.Select(c => (c.Value!["operationType"]!.GetValue<string>(), c.Value["sourceField"]?.GetValue<string>())).ToList(),
            attributes["state"]!["visualization"]!,
            columns.ToDictionary(c => c.Key, c => c.Value!["sourceField"]?.GetValue<string>()));
    }
}
