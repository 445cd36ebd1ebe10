using System.Text.Json;
using System.Text.Json.Nodes;

namespace IdsHalfOpen.Output.Tests.Kibana;

/// <summary>
/// Checks a Kibana saved-objects NDJSON file the way an import would fail on it, plus our own rules: JSON-string
/// attributes are strings holding valid JSON, every reference names an object in the file, every dashboard panel and
/// Lens layer has its reference, and every field a visualisation reads exists in the documents of its data view.
/// Returns one line per problem, so a test shows all of them at once.
/// </summary>
internal sealed class SavedObjectChecker
{
    /// <summary>Attributes Kibana stores as JSON text, not as objects.</summary>
    private static readonly HashSet<string> s_jsonStringAttributes = new(StringComparer.Ordinal)
    {
        "panelsJSON", "optionsJSON", "searchSourceJSON", "visState", "uiStateJSON",
        "fieldFormatMap", "fieldAttrs", "runtimeFieldMap", "sourceFilters", "fields", "typeMeta",
    };

    private readonly Func<string, IReadOnlyDictionary<string, string>?> _fieldsOfDataViewTitle;
    private readonly Version _stackVersion;
    private readonly List<string> _problems = [];

    /// <param name="fieldsOfDataViewTitle">
    /// The document fields behind a data view title with their JSON kind ("number", "string", "boolean"); null for an
    /// unknown title.
    /// </param>
    /// <param name="stackVersion">No object may claim a migration version above it.</param>
    public SavedObjectChecker(Func<string, IReadOnlyDictionary<string, string>?> fieldsOfDataViewTitle, Version stackVersion)
    {
        _fieldsOfDataViewTitle = fieldsOfDataViewTitle;
        _stackVersion = stackVersion;
    }

    public static List<JsonObject> ParseLines(string ndjson, List<string> problems)
    {
        var objects = new List<JsonObject>();
        var lines = ndjson.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 && i == lines.Length - 1) break; // the final newline
            try
            {
                if (JsonNode.Parse(lines[i]) is JsonObject o) objects.Add(o);
                else problems.Add($"line {i + 1}: not a JSON object");
            }
            catch (JsonException e)
            {
                problems.Add($"line {i + 1}: {e.Message}");
            }
        }

        return objects;
    }

    public List<string> Check(string ndjson)
    {
        _problems.Clear();
        var objects = ParseLines(ndjson, _problems);
        var byKey = new Dictionary<(string Type, string Id), JsonObject>();
        foreach (var o in objects)
        {
            string? type = Str(o, "type");
            string? id = Str(o, "id");
            if (type is null || id is null || o["attributes"] is not JsonObject || o["references"] is not JsonArray)
            {
                _problems.Add($"object {o.ToJsonString()[..Math.Min(80, o.ToJsonString().Length)]}: needs string type and id, object attributes, array references");
                continue;
            }

            if (!byKey.TryAdd((type, id), o)) _problems.Add($"{type} {id}: duplicate");
        }

        foreach (var ((type, id), o) in byKey)
        {
            string where = $"{type} {id}";
            CheckVersions(where, o);
            var attributes = (JsonObject)o["attributes"]!;
            var parsed = CheckJsonStrings(where, attributes);
            var references = ReadReferences(where, (JsonArray)o["references"]!, byKey);

            switch (type)
            {
                case "index-pattern":
                    CheckDataView(where, attributes, parsed);
                    break;
                case "dashboard":
                    CheckDashboard(where, parsed, references, byKey);
                    break;
                case "lens":
                    CheckLens(where, attributes, references, byKey);
                    break;
                case "search":
                    CheckSearch(where, attributes, parsed, references, byKey);
                    break;
                default:
                    _problems.Add($"{where}: type not covered by this checker");
                    break;
            }
        }

        return [.. _problems];
    }

    private void CheckVersions(string where, JsonObject o)
    {
        foreach (var name in new[] { "coreMigrationVersion", "typeMigrationVersion" })
        {
            // Lens, dashboards and searches moved to "model versions" (10.x.0) in 8.x: a figure the pinned Kibana
            // does not know fails the import, so only classic versions at or below the stack version are allowed.
            if (Str(o, name) is not { } text) _problems.Add($"{where}: {name} missing (Kibana would run every migration since 7.0 on it)");
            else if (!Version.TryParse(text, out var v) || v > _stackVersion) _problems.Add($"{where}: {name} {text} is above the pinned stack {_stackVersion}");
        }
    }

    /// <summary>Every JSON-string attribute, found at any depth, parsed; keyed by attribute name.</summary>
    private Dictionary<string, JsonNode?> CheckJsonStrings(string where, JsonObject attributes)
    {
        var parsed = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        Walk(attributes, "attributes");
        return parsed;

        void Walk(JsonNode? node, string path)
        {
            if (node is JsonObject obj)
            {
                foreach (var (key, value) in obj)
                {
                    bool jsonString = s_jsonStringAttributes.Contains(key);
                    // Lens keeps state and layers as objects in its saved object, but tolerates them as JSON text.
                    bool maybeString = key is "state" or "layers" && value is JsonValue;
                    if (jsonString || maybeString)
                    {
                        if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
                        {
                            _problems.Add($"{where}: {path}.{key} must be a JSON string, found {value?.GetValueKind().ToString() ?? "null"}");
                            continue;
                        }

                        try
                        {
                            parsed[key] = JsonNode.Parse(text);
                        }
                        catch (JsonException e)
                        {
                            _problems.Add($"{where}: {path}.{key} is not valid JSON: {e.Message}");
                        }
                    }
                    else
                    {
                        Walk(value, path + "." + key);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++) Walk(array[i], $"{path}[{i}]");
            }
        }
    }

    private Dictionary<string, (string Type, string Id)> ReadReferences(string where, JsonArray references, Dictionary<(string, string), JsonObject> byKey)
    {
        var byName = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var r in references)
        {
            if (r is not JsonObject ro || Str(ro, "type") is not { } type || Str(ro, "id") is not { } id || Str(ro, "name") is not { } name)
            {
                _problems.Add($"{where}: a reference needs string type, id and name");
                continue;
            }

            if (!byKey.ContainsKey((type, id))) _problems.Add($"{where}: reference {name} points at {type} {id}, which is not in the file");
            if (!byName.TryAdd(name, (type, id))) _problems.Add($"{where}: two references named {name}");
        }

        return byName;
    }

    private void CheckDataView(string where, JsonObject attributes, Dictionary<string, JsonNode?> parsed)
    {
        if (Str(attributes, "title") is not { } title) { _problems.Add($"{where}: no title"); return; }
        var fields = _fieldsOfDataViewTitle(title);
        if (fields is null) { _problems.Add($"{where}: no documents known for data view {title}"); return; }
        RequireField(where, "timeFieldName", Str(attributes, "timeFieldName"), fields);
        if (parsed.GetValueOrDefault("fieldFormatMap") is JsonObject formats)
        {
            foreach (var (field, _) in formats) RequireField(where, "fieldFormatMap", field, fields);
        }
    }

    private void CheckDashboard(string where, Dictionary<string, JsonNode?> parsed, Dictionary<string, (string Type, string Id)> references, Dictionary<(string, string), JsonObject> byKey)
    {
        if (parsed.GetValueOrDefault("panelsJSON") is not JsonArray panels) { _problems.Add($"{where}: panelsJSON is not an array"); return; }
        if (parsed.GetValueOrDefault("optionsJSON") is not JsonObject) _problems.Add($"{where}: optionsJSON is not an object");
        if (parsed.GetValueOrDefault("searchSourceJSON") is not JsonObject) _problems.Add($"{where}: kibanaSavedObjectMeta.searchSourceJSON is not an object");

        var used = new HashSet<string>(StringComparer.Ordinal);
        var indexes = new HashSet<string>(StringComparer.Ordinal);
        var cells = new HashSet<(int, int)>();
        foreach (var p in panels)
        {
            if (p is not JsonObject panel || Str(panel, "panelIndex") is not { } index || Str(panel, "type") is not { } panelType)
            {
                _problems.Add($"{where}: a panel needs a string panelIndex and type");
                continue;
            }

            if (!indexes.Add(index)) _problems.Add($"{where}: panelIndex {index} used twice");
            if (panel["gridData"] is not JsonObject grid || Str(grid, "i") != index) _problems.Add($"{where}: panel {index}: gridData.i must equal panelIndex");
            else CheckGrid(where, index, grid, cells);
            if (Str(panel, "panelRefName") is not { } refName) { _problems.Add($"{where}: panel {index} has no panelRefName (only by-reference panels here)"); continue; }

            // Kibana resolves panelRefName through a reference named "<panelIndex>:<panelRefName>".
            string name = index + ":" + refName;
            used.Add(name);
            if (!references.TryGetValue(name, out var target)) _problems.Add($"{where}: panel {index} needs a reference named {name}");
            else if (target.Type != panelType) _problems.Add($"{where}: panel {index} is a {panelType} but {name} points at a {target.Type}");
        }

        foreach (var name in references.Keys)
        {
            if (!used.Contains(name)) _problems.Add($"{where}: reference {name} belongs to no panel");
        }
    }

    private void CheckGrid(string where, string index, JsonObject grid, HashSet<(int, int)> cells)
    {
        int x = Int(grid, "x"), y = Int(grid, "y"), w = Int(grid, "w"), h = Int(grid, "h");
        if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > 48) { _problems.Add($"{where}: panel {index} lies outside the 48-column grid"); return; }
        for (int i = x; i < x + w; i++)
        {
            for (int j = y; j < y + h; j++)
            {
                if (!cells.Add((i, j))) { _problems.Add($"{where}: panel {index} overlaps another panel at ({i},{j})"); return; }
            }
        }
    }

    private void CheckLens(string where, JsonObject attributes, Dictionary<string, (string Type, string Id)> references, Dictionary<(string, string), JsonObject> byKey)
    {
        var state = attributes["state"] is JsonValue sv && sv.TryGetValue<string>(out var stateText) ? JsonNode.Parse(stateText) : attributes["state"];
        if (state?["datasourceStates"] is not JsonObject datasources) { _problems.Add($"{where}: no state.datasourceStates"); return; }
        if (datasources.ContainsKey("indexpattern")) _problems.Add($"{where}: uses the pre-8.6 datasource key 'indexpattern'; 8.x names it 'formBased'");
        var layersNode = datasources["formBased"]?["layers"];
        if (layersNode is JsonValue lv && lv.TryGetValue<string>(out var layersText)) layersNode = JsonNode.Parse(layersText);
        if (layersNode is not JsonObject layers || layers.Count == 0) { _problems.Add($"{where}: no formBased layers"); return; }

        var columnIds = new HashSet<string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (layerId, layerNode) in layers)
        {
            string name = "indexpattern-datasource-layer-" + layerId;
            used.Add(name);
            IReadOnlyDictionary<string, string>? fields = null;
            if (!references.TryGetValue(name, out var target)) _problems.Add($"{where}: layer {layerId} needs a reference named {name}");
            else if (target.Type != "index-pattern") _problems.Add($"{where}: {name} must point at an index-pattern");
            else fields = FieldsOf(target.Id, byKey, where);

            if (layerNode?["columns"] is not JsonObject columns || layerNode["columnOrder"] is not JsonArray order) { _problems.Add($"{where}: layer {layerId} needs columns and columnOrder"); continue; }
            var orderIds = order.Select(n => n?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            if (orderIds.Count != columns.Count || !columns.All(c => orderIds.Contains(c.Key))) _problems.Add($"{where}: layer {layerId}: columnOrder must list every column once");

            foreach (var (columnId, columnNode) in columns)
            {
                columnIds.Add(columnId);
                if (columnNode is not JsonObject column) continue;
                string? field = Str(column, "sourceField");
                string? operation = Str(column, "operationType");
                if (operation == "count" ? field != "___records___" : field is null) _problems.Add($"{where}: column {columnId} ({operation}) has the wrong sourceField {field}");
                if (operation != "count" && fields is not null && RequireField(where, "column " + columnId, field, fields))
                {
                    CheckColumnType(where, columnId, column, operation, fields[field!]);
                }

                if (column["params"]?["orderBy"] is JsonObject orderBy && Str(orderBy, "type") == "column" && (Str(orderBy, "columnId") is not { } by || !columns.ContainsKey(by)))
                {
                    _problems.Add($"{where}: column {columnId} is ordered by a column not in its layer");
                }
            }
        }

        foreach (var name in references.Keys)
        {
            if (!used.Contains(name)) _problems.Add($"{where}: reference {name} belongs to no layer");
        }

        // Every accessor the visualisation names must be a column.
        foreach (var accessor in Accessors(state["visualization"]))
        {
            if (!columnIds.Contains(accessor)) _problems.Add($"{where}: visualization names column {accessor}, which no layer has");
        }
    }

    private static IEnumerable<string> Accessors(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (key is "layerId") continue;
                if ((key.EndsWith("Accessor", StringComparison.Ordinal) || key is "columnId") && value is JsonValue v && v.TryGetValue<string>(out var s)) yield return s;
                else if (key is "accessors" && value is JsonArray a)
                {
                    foreach (var item in a) if (item is JsonValue iv && iv.TryGetValue<string>(out var si)) yield return si;
                }
                else
                {
                    foreach (var inner in Accessors(value)) yield return inner;
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                foreach (var inner in Accessors(item)) yield return inner;
            }
        }
    }

    private void CheckSearch(string where, JsonObject attributes, Dictionary<string, JsonNode?> parsed, Dictionary<string, (string Type, string Id)> references, Dictionary<(string, string), JsonObject> byKey)
    {
        if (parsed.GetValueOrDefault("searchSourceJSON") is not JsonObject source) { _problems.Add($"{where}: searchSourceJSON is not an object"); return; }
        if (Str(source, "indexRefName") is not { } indexRef || !references.TryGetValue(indexRef, out var target) || target.Type != "index-pattern")
        {
            _problems.Add($"{where}: searchSourceJSON.indexRefName must name a reference to an index-pattern");
            return;
        }

        if (references.Count != 1) _problems.Add($"{where}: only the index reference is expected");
        var fields = FieldsOf(target.Id, byKey, where);
        if (fields is null) return;
        if (attributes["columns"] is not JsonArray columns || columns.Count == 0) { _problems.Add($"{where}: no columns"); return; }
        foreach (var c in columns) RequireField(where, "columns", c?.GetValue<string>(), fields);
        if (attributes["sort"] is JsonArray sort)
        {
            foreach (var s in sort) RequireField(where, "sort", s?[0]?.GetValue<string>(), fields);
        }
    }

    private IReadOnlyDictionary<string, string>? FieldsOf(string dataViewId, Dictionary<(string, string), JsonObject> byKey, string where)
    {
        if (!byKey.TryGetValue(("index-pattern", dataViewId), out var view)) return null; // reported as a dangling reference
        string? title = Str((JsonObject)view["attributes"]!, "title");
        var fields = title is null ? null : _fieldsOfDataViewTitle(title);
        if (fields is null) _problems.Add($"{where}: no documents known for data view {title}");
        return fields;
    }

    private bool RequireField(string where, string what, string? field, IReadOnlyDictionary<string, string> fields)
    {
        if (field is not null && fields.ContainsKey(field)) return true;
        _problems.Add($"{where}: {what} uses field '{field}', which our documents do not have");
        return false;
    }

    /// <summary>Metrics need numbers; a bucket column's dataType must fit the value our documents carry.</summary>
    private void CheckColumnType(string where, string columnId, JsonObject column, string? operation, string kind)
    {
        string? dataType = Str(column, "dataType");
        bool fits = operation switch
        {
            "max" or "min" or "average" or "sum" or "median" or "percentile" or "last_value" when dataType == "number" => kind == "number",
            "unique_count" => dataType == "number",
            "date_histogram" => dataType == "date" && kind == "string",
            _ => dataType switch
            {
                "number" => kind == "number",
                "string" or "ip" or "date" => kind == "string",
                "boolean" => kind == "boolean",
                _ => false,
            },
        };
        if (!fits) _problems.Add($"{where}: column {columnId} ({operation}, dataType {dataType}) does not fit the {kind} our documents carry in {Str(column, "sourceField")}");
    }

    private static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int Int(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : -1;
}
