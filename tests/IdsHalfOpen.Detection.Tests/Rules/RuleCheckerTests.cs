using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Detection.Tests.Rules;

public class RuleCheckerTests
{
    [Fact]
    public void Check_DefaultRules_PrintsSummaryAndReturnsZero()
    {
        string path = Path.Combine(RepoPaths.Rules, "default.yaml");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RuleChecker.Check([path], stdout, stderr);
        Assert.Equal(0, code);
        Assert.Equal($"{path}: 9 rules OK{Environment.NewLine}", stdout.ToString());
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Check_RulesDirectory_ReturnsZero()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, RuleChecker.Check([RepoPaths.Rules], stdout, new StringWriter()));
        Assert.EndsWith(": 9 rules OK" + Environment.NewLine, stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InvalidFile_PrintsEveryDiagnosticAndReturnsOne()
    {
        string dir = Directory.CreateTempSubdirectory("iho-check-").FullName;
        try
        {
            string path = Path.Combine(dir, "bad.yaml");
            File.WriteAllText(path, "version: 1\nrules:\n  - id: X-1\n    name: x\n    kind: syn-flood\n    severity: hgh\n    track_by: destination\n    metric: embryonic\n    threshold: 5\n    scope: { destinations: [10.0.0.1/8] }\n    colour: red\n");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = RuleChecker.Check([path], stdout, stderr);
            Assert.Equal(1, code);
            string[] lines = stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith($"{path}:6:15: error: invalid severity 'hgh'", lines[0], StringComparison.Ordinal);
            Assert.Equal($"{path}:10:29: warning: host bits set in '10.0.0.1/8': using 10.0.0.0/8", lines[1]);
            Assert.StartsWith($"{path}:11:5: error: unknown key 'colour' in rule", lines[2], StringComparison.Ordinal);
            Assert.Equal($"{path}: 2 errors, 1 warning{Environment.NewLine}", stdout.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Check_MissingFile_ReturnsOne()
    {
        var stderr = new StringWriter();
        Assert.Equal(1, RuleChecker.Check(["/nonexistent/x.yaml"], new StringWriter(), stderr));
        Assert.Equal("/nonexistent/x.yaml: error: file not found" + Environment.NewLine, stderr.ToString());
    }
}
