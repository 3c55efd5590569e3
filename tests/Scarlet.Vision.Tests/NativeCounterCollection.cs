namespace Scarlet.Vision.Tests;

/// <summary>
/// Tests that assert <see cref="ScarletDiagnostics.LiveNativeObjects"/> returns to its start value. The counter is
/// process-wide, so these run alone (after the parallel collections), never beside tests that create frames.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeCounterCollection
{
    public const string Name = "NativeCounter";
}
