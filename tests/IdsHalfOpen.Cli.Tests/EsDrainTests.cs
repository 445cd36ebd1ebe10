using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Output.Tests.Elasticsearch;

namespace IdsHalfOpen.Cli.Tests;

/// <summary><c>es drain</c> in process; its kill -9 recovery is in <see cref="EsKillRestartTests"/>.</summary>
public sealed class EsDrainTests : IDisposable
{
    private readonly CliFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static EsReplayOptions Options(string url, string spool, bool setup = true, double timeoutSeconds = 10) => new()
    {
        Es = new EsOptions { Url = url, BackoffInitial = TimeSpan.FromMilliseconds(10), BackoffMax = TimeSpan.FromMilliseconds(50) },
        Setup = setup,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        SpoolDirectory = spool,
    };

    /// <summary>A spool holding <paramref name="count"/> alert bulk pairs, as a run that could not deliver leaves it.</summary>
    private string SpoolWith(int count)
    {
        string dir = _f.Path_("spool");
        using var spool = SpoolDeliveryQueue.Open(dir);
        for (int i = 0; i < count; i++)
        {
            spool.Append(System.Text.Encoding.UTF8.GetBytes(
                $$$"""{"create":{"_index":"logs-idshalfopen.alert-default","_id":"a{{{i}}}"}}""" + "\n" +
                """{"@timestamp":"2024-05-01T12:00:00Z","message":"x","data_stream":{"type":"logs","dataset":"idshalfopen.alert","namespace":"default"}}""" + "\n"));
        }

        spool.Flush();
        return dir;
    }

    [Fact]
    public void RunDrain_NoSpoolDirectory_UsageErrorNothingCreated()
    {
        string missing = _f.Path_("no-such-spool");
        var stderr = new StringWriter();
        Assert.Equal(ExitCodes.UsageError, EsCommand.RunDrain(Options("http://127.0.0.1:9", missing), TextWriter.Null, stderr, CancellationToken.None));
        Assert.Contains("there is no spool at", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunDrain_ElasticsearchUnreachable_UndeliveredAndSpoolKept(bool setup)
    {
        string dir = SpoolWith(3);
        var stderr = new StringWriter();
        int code = EsCommand.RunDrain(Options("http://127.0.0.1:9", dir, setup, timeoutSeconds: 0.3), TextWriter.Null, stderr, CancellationToken.None);
        Assert.Equal(EsCommand.Undelivered, code);
        Assert.Contains(setup ? "the spool is kept" : "3 documents not delivered", stderr.ToString(), StringComparison.Ordinal);
        using var reopened = SpoolDeliveryQueue.Open(dir);
        Assert.Equal(3, reopened.PendingRecords);
    }

    [Fact]
    public async Task RunDrain_SpoolOfAnEarlierRun_ShippedAndEmptied()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        string dir = SpoolWith(5);
        var stdout = new StringWriter();
        Assert.Equal(ExitCodes.Success, EsCommand.RunDrain(Options(fake.Url.ToString(), dir), stdout, TextWriter.Null, CancellationToken.None));
        Assert.Contains(": 5 documents to ship", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("delivered 5, duplicates 0, dead-lettered 0, left in spool 0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(5, fake.Store.Count("logs-idshalfopen.alert-default"));
        using var reopened = SpoolDeliveryQueue.Open(dir);
        Assert.Equal(0, reopened.PendingRecords);
    }
}
