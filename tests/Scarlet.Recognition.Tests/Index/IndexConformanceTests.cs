using Scarlet.Recognition.Index;
using Scarlet.Testing;

namespace Scarlet.Recognition.Tests.Index;

public sealed class FlatIndexConformanceTests : VectorIndexConformanceTests
{
    protected override IVectorIndex Create(int dimension) => new FlatIndex(dimension, initialCapacity: 16);

    protected override IVectorIndex Load(Stream stream) => FlatIndex.Load(stream);
}

public sealed class HnswIndexConformanceTests : VectorIndexConformanceTests
{
    // Small initial capacity so the facts also cover growth (and searches across it).
    protected override IVectorIndex Create(int dimension) =>
        new HnswIndex(dimension, new HnswIndexOptions { M = 16, EfConstruction = 100, EfSearch = 64, Seed = 7, InitialCapacity = 16 });

    protected override IVectorIndex Load(Stream stream) => HnswIndex.Load(stream);
}
