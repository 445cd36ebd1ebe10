using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace IdsHalfOpen.Detection.Rules;

/// <summary>A YAML node with the position it started at (1-based line and column).</summary>
internal abstract class YNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>What the node is, for "expected X, got Y" messages.</summary>
    public abstract string Describe();
}

internal sealed class YScalar(int line, int column, string value, bool isPlain) : YNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>Unquoted: only plain scalars are numbers, booleans or null (YAML 1.2 core schema).</summary>
    public bool IsPlain { get; } = isPlain;

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "null" : IsPlain ? $"'{Value}'" : $"string \"{Value}\"";
}

internal sealed class YSequence(int line, int column) : YNode(line, column)
{
    public List<YNode> Items { get; } = [];

    public override string Describe() => "a list";
}

internal sealed class YMapping(int line, int column) : YNode(line, column)
{
    /// <summary>Entries in file order; duplicate keys are reported and dropped while reading.</summary>
    public List<(YScalar Key, YNode Value)> Entries { get; } = [];

    public YNode? Get(string key)
    {
        foreach (var (k, v) in Entries)
        {
            if (k.Value == key) return v;
        }

        return null;
    }

    public YScalar? GetKey(string key)
    {
        foreach (var (k, _) in Entries)
        {
            if (k.Value == key) return k;
        }

        return null;
    }

    public override string Describe() => "a mapping";
}

/// <summary>
/// Reads one YAML document into <see cref="YNode"/>s straight from YamlDotNet's parser events, keeping every node's
/// position (the representation model would throw on the first duplicate key and loses nothing we need here).
/// </summary>
internal static class YamlTree
{
    private const int MaxDepth = 64;

    /// <summary>The document's root, or null when the file is empty or does not parse (diagnostics say why).</summary>
    public static YNode? Read(string text, string file, List<RuleDiagnostic> diagnostics) => new Reader(text, file, diagnostics).ReadDocument();

    private sealed class Reader(string text, string file, List<RuleDiagnostic> diagnostics)
    {
        private readonly Parser _parser = new(new StringReader(text));
        private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Mark> _open = new(); // flow collections ('[', '{') not yet closed
        private Mark _last = Mark.Empty;

        public YNode? ReadDocument()
        {
            try
            {
                Next<StreamStart>();
                if (_parser.Accept<StreamEnd>(out _)) return null;
                Next<DocumentStart>();
                var root = ReadNode(0);
                Next<DocumentEnd>();
                if (_parser.Accept<DocumentStart>(out var second))
                {
                    Add(second.Start, "a rule file holds one YAML document; remove the second one");
                }

                return root;
            }
            catch (YamlException ex)
            {
                Add(ex.Start, "YAML syntax: " + StripMarks(ex));
                return null;
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet 16.3's scanner fails this way on some truncated input (an unclosed flow collection that
                // runs to the end of the file) instead of raising a YamlException with a mark: point at the
                // innermost collection still open, else after the last thing that parsed.
                Add(_open.Count > 0 ? _open.Peek() : _last, _open.Count > 0
                    ? "YAML syntax: this list or mapping is never closed (missing ']' or '}'?)"
                    : "YAML syntax: cannot parse past this point (an unclosed '[' or '{' further on?)");
                return null;
            }
        }

        private T Next<T>()
            where T : ParsingEvent
        {
            var ev = _parser.Consume<T>();
            _last = ev.End;
            return ev;
        }

        private YNode ReadNode(int depth)
        {
            var ev = _parser.Current ?? throw new YamlException(_last, _last, "unexpected end of input");
            if (depth > MaxDepth) throw new YamlException(ev.Start, ev.End, $"nesting deeper than {MaxDepth} levels");
            YNode node;
            string? anchor = null;
            switch (ev)
            {
                case Scalar scalar:
                    Next<Scalar>();
                    node = new YScalar(Line(scalar.Start), Col(scalar.Start), scalar.Value, scalar.Style is ScalarStyle.Plain or ScalarStyle.Any);
                    anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                    break;
                case AnchorAlias alias:
                    Next<AnchorAlias>();
                    if (_anchors.TryGetValue(alias.Value.Value, out var target)) return target;
                    Add(alias.Start, $"unknown alias '*{alias.Value.Value}'");
                    return new YScalar(Line(alias.Start), Col(alias.Start), "", isPlain: true);
                case SequenceStart start:
                {
                    // Pushed before consuming: the scanner reads ahead and may fail on the very next call.
                    bool flow = start.Style == SequenceStyle.Flow;
                    if (flow) _open.Push(start.Start);
                    Next<SequenceStart>();
                    var seq = new YSequence(Line(start.Start), Col(start.Start));
                    anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                    while (!_parser.Accept<SequenceEnd>(out _)) seq.Items.Add(ReadNode(depth + 1));
                    Next<SequenceEnd>();
                    if (flow) _open.Pop();
                    node = seq;
                    break;
                }

                case MappingStart start:
                {
                    bool flow = start.Style == MappingStyle.Flow;
                    if (flow) _open.Push(start.Start);
                    Next<MappingStart>();
                    var map = new YMapping(Line(start.Start), Col(start.Start));
                    anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                    while (!_parser.Accept<MappingEnd>(out _))
                    {
                        var key = ReadNode(depth + 1);
                        var value = ReadNode(depth + 1);
                        if (key is not YScalar keyScalar)
                        {
                            Add(key, "mapping keys must be plain names, not " + key.Describe());
                            continue;
                        }

                        var first = map.GetKey(keyScalar.Value);
                        if (first is not null)
                        {
                            Add(keyScalar, $"duplicate key '{keyScalar.Value}' (first at line {first.Line}, column {first.Column})");
                            continue;
                        }

                        map.Entries.Add((keyScalar, value));
                    }

                    Next<MappingEnd>();
                    if (flow) _open.Pop();
                    node = map;
                    break;
                }

                default:
                    throw new YamlException(ev.Start, ev.End, $"unexpected {ev.GetType().Name}");
            }

            if (anchor is not null) _anchors[anchor] = node;
            return node;
        }

        private void Add(Mark mark, string message) =>
            diagnostics.Add(new RuleDiagnostic(file, Math.Max(1, Line(mark)), Math.Max(1, Col(mark)), DiagnosticSeverity.Error, message));

        private void Add(YNode node, string message) =>
            diagnostics.Add(new RuleDiagnostic(file, node.Line, node.Column, DiagnosticSeverity.Error, message));
    }

    private static int Line(Mark m) => (int)m.Line;

    private static int Col(Mark m) => (int)m.Column;

    // YamlException.Message repeats the marks as "(Line: 3, Col: 5, Idx: 20) - (Line: ...): text"; we print our own.
    private static string StripMarks(YamlException ex)
    {
        string m = ex.Message;
        int i = m.IndexOf("): ", StringComparison.Ordinal);
        return m.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0 ? m[(i + 3)..] : m;
    }
}
