namespace Scarlet.Tracking.Internal;

/// <summary>Reused scratch arrays: grown (doubling) when too small, never shrunk, so a steady stream allocates nothing.</summary>
internal static class Buffers
{
    public static void EnsureCapacity<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
    }
}
