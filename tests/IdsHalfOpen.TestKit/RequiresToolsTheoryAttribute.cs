using Xunit;

namespace IdsHalfOpen.TestKit;

/// <summary>
/// The theory counterpart of <see cref="RequiresToolsFactAttribute"/>: outside CI a missing tool skips every case with the
/// reason; under CI=true the cases run (and fail), because CI must never pass by skipping.
/// Tools are program names on PATH, or "lib:SONAME" for a shared library.
/// </summary>
public sealed class RequiresToolsTheoryAttribute : TheoryAttribute
{
    public RequiresToolsTheoryAttribute(params string[] tools)
    {
        if (TestEnvironment.IsCi) return;
        var missing = tools.Where(t => t.StartsWith("lib:", StringComparison.Ordinal) ? !TestEnvironment.HasLibrary(t[4..]) : TestEnvironment.FindTool(t) is null).ToList();
        if (missing.Count > 0) Skip = "missing: " + string.Join(", ", missing) + " (under CI=true this test fails instead)";
    }
}
