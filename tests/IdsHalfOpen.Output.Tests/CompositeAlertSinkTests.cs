using IdsHalfOpen.Detection;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests;

public class CompositeAlertSinkTests
{
    [Fact]
    public void Write_OneSinkFails_OthersStillReceiveAndFailureIsRethrown()
    {
        var first = new RecordingSink();
        var failing = new RecordingSink { Fail = true };
        var last = new RecordingSink();
        var composite = new CompositeAlertSink(first, failing, last);

        var e = Assert.Throws<OutputException>(() => composite.Write(FloodAlert()));
        Assert.Equal("failing", e.Target);
        Assert.Single(first.Alerts);
        Assert.Single(last.Alerts);
    }

    [Fact]
    public void Flush_TwoSinksFail_ThrowsAggregateOfBoth()
    {
        var composite = new CompositeAlertSink(new RecordingSink { Fail = true }, new RecordingSink(), new RecordingSink { Fail = true });
        var e = Assert.Throws<AggregateException>(composite.Flush);
        Assert.Equal(2, e.InnerExceptions.Count);
    }

    [Fact]
    public void Dispose_DisposesEverySink()
    {
        var a = new RecordingSink();
        var b = new RecordingSink();
        new CompositeAlertSink(a, NullSink.Instance, b).Dispose();
        Assert.True(a.Disposed);
        Assert.True(b.Disposed);
    }

    private sealed class RecordingSink : IAlertSink, IDisposable
    {
        public List<AlertEvent> Alerts { get; } = [];

        public bool Fail { get; init; }

        public bool Disposed { get; private set; }

        public void Write(AlertEvent alert)
        {
            if (Fail) throw new OutputException("failing", "sink failed", null);
            Alerts.Add(alert);
        }

        public void Flush()
        {
            if (Fail) throw new OutputException("failing", "sink failed", null);
        }

        public void Dispose() => Disposed = true;
    }
}
