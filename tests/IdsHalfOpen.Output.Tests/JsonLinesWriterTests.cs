using System.Text;
using System.Text.Json;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.JsonLines;
using IdsHalfOpen.Tracking;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests;

public sealed class JsonLinesWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idshalfopen-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_ManyDocumentsToFile_GivesOneValidObjectPerLine()
    {
        var path = System.IO.Path.Combine(_dir, "alerts.json");
        const int n = 500;
        using (var sink = AlertJsonLinesSink.Open(path, Sensor))
        {
            for (int i = 0; i < n; i++) sink.Write(FloodAlert(AlertPhase.Update, i));
        }

        var bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)'\n', bytes[^1]);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        Assert.Equal(n + 1, lines.Length);
        Assert.Equal("", lines[^1]);
        for (int i = 0; i < n; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.Equal(i, doc.RootElement.Path("idshalfopen.sequence").GetInt32());
        }
    }

    [Fact]
    public void Open_Dash_WritesToInjectedStandardOutputAndLeavesItOpen()
    {
        var stdout = new MemoryStream();
        using (var sink = ConnectionJsonLinesSink.Open("-", Sensor, standardOutput: stdout))
        {
            sink.Write(Connection(AttemptOutcome.Rejected));
            sink.Write(Connection(AttemptOutcome.Completed));
            Assert.Equal("-", sink.Lines.Target);
        }

        Assert.True(stdout.CanWrite); // never closed: standard output belongs to the process
        var lines = Encoding.UTF8.GetString(stdout.ToArray()).TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("rejected", first.RootElement.Path("idshalfopen.outcome").GetString());
    }

    [Fact]
    public void Open_UnwritablePath_ThrowsOutputExceptionNamingIt()
    {
        // A file used as a folder fails even for root, unlike a permission-based check.
        var file = System.IO.Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "x");
        var path = System.IO.Path.Combine(file, "alerts.json");
        var e = Assert.Throws<OutputException>(() => AlertJsonLinesSink.Open(path, Sensor));
        Assert.Equal(path, e.Target);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void Open_MissingFolder_ThrowsOutputExceptionNamingIt()
    {
        var path = System.IO.Path.Combine(_dir, "no-such-folder", "alerts.json");
        var e = Assert.Throws<OutputException>(() => JsonLinesWriter.Open(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_StreamFails_ThrowsOutputExceptionNamingTarget()
    {
        var lines = new JsonLinesWriter(new FailingStream(), "/var/log/alerts.json", ownsStream: true, autoFlush: true);
        var sink = new AlertJsonLinesSink(lines, new AlertDocumentWriter(Sensor));
        var e = Assert.Throws<OutputException>(() => sink.Write(FloodAlert()));
        Assert.Equal("/var/log/alerts.json", e.Target);
        Assert.Contains("/var/log/alerts.json", e.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(e.InnerException);
        // Dispose flushes too, and reports the failure the same way rather than swallowing it.
        Assert.Throws<OutputException>(sink.Dispose);
        sink.Dispose(); // once disposed, quietly done
    }

    [Fact]
    public void Flush_StandardOutputFails_MessageSaysStandardOutput()
    {
        var lines = JsonLinesWriter.Open("-", standardOutput: new FailingStream());
        lines.Write(new ConnectionDocumentWriter(Sensor), Connection(AttemptOutcome.Completed));
        var e = Assert.Throws<OutputException>(lines.Flush);
        Assert.Contains("standard output", e.Message, StringComparison.Ordinal);
        Assert.Equal("-", e.Target);
        Assert.Throws<OutputException>(lines.Dispose);
    }

    [Fact]
    public void Write_Buffered_ReachesStreamOnlyOnFlushOrDispose()
    {
        var stream = new MemoryStream();
        var lines = new JsonLinesWriter(stream, "mem", ownsStream: false);
        var documents = new ConnectionDocumentWriter(Sensor);
        lines.Write(documents, Connection(AttemptOutcome.Unanswered));
        lines.Write(documents, Connection(AttemptOutcome.Unanswered));
        Assert.Equal(0, stream.Length);
        lines.Flush();
        long afterFlush = stream.Length;
        Assert.True(afterFlush > 0);
        lines.Write(documents, Connection(AttemptOutcome.Completed));
        Assert.Equal(afterFlush, stream.Length);
        lines.Dispose();
        Assert.Equal(3, Encoding.UTF8.GetString(stream.ToArray()).Count(c => c == '\n'));
        Assert.Equal(3, lines.LinesWritten);
        Assert.Throws<ObjectDisposedException>(() => lines.Write(documents, Connection(AttemptOutcome.Completed)));
    }

    [Fact]
    public void Write_ConcurrentWritersAndTinyBuffer_LinesNeverInterleave()
    {
        var stream = new ChunkRecordingStream();
        // A buffer smaller than one document forces the direct-write path as well as the batching one.
        using var lines = new JsonLinesWriter(stream, "mem", ownsStream: false, bufferSize: 700);
        var documents = new ConnectionDocumentWriter(Sensor);
        const int threads = 4, perThread = 400;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (int i = 0; i < perThread; i++)
            {
                lines.Write(documents, Connection(AttemptOutcome.Completed) with { ClientPort = (ushort)(t * 1000 + i), History = new string('S', 1 + (i % 300)) });
            }
        });
        lines.Flush();

        Assert.All(stream.Chunks, chunk => Assert.Equal((byte)'\n', chunk[^1])); // every write ends at a line boundary
        var text = Encoding.UTF8.GetString(stream.ToArray());
        var all = text.TrimEnd('\n').Split('\n');
        Assert.Equal(threads * perThread, all.Length);
        var ports = new HashSet<int>();
        foreach (var line in all)
        {
            using var doc = JsonDocument.Parse(line);
            ports.Add(doc.RootElement.Path("source.port").GetInt32());
        }

        Assert.Equal(threads * perThread, ports.Count);
    }

    [Fact]
    public void Write_DocumentWriterFailsMidway_NothingOfItIsWrittenAndNextLineIsClean()
    {
        var stream = new MemoryStream();
        using var lines = new JsonLinesWriter(stream, "mem", ownsStream: false);
        Assert.Throws<InvalidOperationException>(() => lines.Write(new HalfDocumentWriter(), 1));
        Assert.Throws<FormatException>(() => lines.Write(new ThrowingDocumentWriter(), 1));
        lines.Write(new ConnectionDocumentWriter(Sensor), Connection(AttemptOutcome.Completed));
        lines.Flush();
        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("completed", doc.RootElement.Path("idshalfopen.outcome").GetString());
    }

    [Fact]
    public void Open_AppendOrCreate_KeepsOrReplacesEarlierLines()
    {
        var path = System.IO.Path.Combine(_dir, "conn.json");
        for (int run = 0; run < 2; run++)
        {
            using var sink = ConnectionJsonLinesSink.Open(path, Sensor);
            sink.Write(Connection(AttemptOutcome.Completed));
        }

        Assert.Equal(2, File.ReadAllLines(path).Length);
        using (var sink = ConnectionJsonLinesSink.Open(path, Sensor, append: false)) sink.Write(Connection(AttemptOutcome.Completed));
        Assert.Single(File.ReadAllLines(path));
    }

    [Fact]
    public void Write_SameInputReplayedTwice_GivesByteIdenticalFiles()
    {
        var a = System.IO.Path.Combine(_dir, "a.json");
        var b = System.IO.Path.Combine(_dir, "b.json");
        foreach (var path in new[] { a, b })
        {
            using var alerts = AlertJsonLinesSink.Open(path, Sensor, append: false);
            alerts.Write(FloodAlert(AlertPhase.Start, 0));
            alerts.Write(FloodAlert(AlertPhase.Update, 1));
            alerts.Write(FloodAlert(AlertPhase.End, 2));
        }

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void Write_SteadyState_AllocatesAlmostNothingPerDocument()
    {
        var alerts = new AlertJsonLinesSink(new JsonLinesWriter(Stream.Null, "null", ownsStream: false, autoFlush: true), new AlertDocumentWriter(Sensor));
        var connections = new ConnectionJsonLinesSink(new JsonLinesWriter(Stream.Null, "null", ownsStream: false), new ConnectionDocumentWriter(Sensor));
        var alert = FloodAlert() with { Message = null }; // the synthesised message must not allocate either
        var record = Connection(AttemptOutcome.AbortedByClient);
        for (int i = 0; i < 200; i++)
        {
            alerts.Write(alert);
            connections.Write(record);
        }

        const int n = 5000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++) alerts.Write(alert);
        long alertBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++) connections.Write(record);
        connections.Flush();
        long connectionBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(alertBytes / n < 16, $"{alertBytes / (double)n:F1} bytes per alert document");
        Assert.True(connectionBytes / n < 16, $"{connectionBytes / (double)n:F1} bytes per connection document");
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => throw new IOException("disk full");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");
    }

    /// <summary>A memory stream that remembers each write, to check writes end on line boundaries.</summary>
    private sealed class ChunkRecordingStream : MemoryStream
    {
        public List<byte[]> Chunks { get; } = [];

        // Only the array overload: MemoryStream routes span writes of derived types through it.
        public override void Write(byte[] buffer, int offset, int count)
        {
            Chunks.Add(buffer.AsSpan(offset, count).ToArray());
            base.Write(buffer, offset, count);
        }
    }

    private sealed class HalfDocumentWriter : IDocumentWriter<int>
    {
        public void Write(Utf8JsonWriter writer, int value)
        {
            writer.WriteStartObject();
            writer.WriteNumber("half"u8, value);
        }
    }

    private sealed class ThrowingDocumentWriter : IDocumentWriter<int>
    {
        public void Write(Utf8JsonWriter writer, int value)
        {
            writer.WriteStartObject();
            writer.WriteNumber("partial"u8, value);
            throw new FormatException("bug in a document writer");
        }
    }
}
