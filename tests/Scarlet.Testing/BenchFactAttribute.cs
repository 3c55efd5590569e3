using Xunit;

namespace Scarlet.Testing;

/// <summary>A fact that runs only when <c>SCARLET_BENCH=1</c>: speed measurements live outside the unit suite.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SCARLET_BENCH") != "1")
        {
            Skip = "speed measurement: set SCARLET_BENCH=1 to run";
        }
    }
}
