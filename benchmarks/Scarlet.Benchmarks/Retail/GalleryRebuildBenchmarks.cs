using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Npgsql;
using NpgsqlTypes;
using Scarlet.Recognition;
using Scarlet.Retail.Storage.Postgres;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Testing.Servers;

namespace Scarlet.Benchmarks.Retail;

/// <summary>
/// What a host does at start in a cluster (docs/scale-out.md): read every embedding of an organisation from PostgreSQL
/// (<c>ICustomerStore.ListEmbeddingsAsync</c>) and build its HNSW gallery from them. The setup starts a private PostgreSQL
/// (Debian package, scripts/setup.sh --test) and fills it by COPY with synthetic 128-d embeddings, one per customer.
/// <see cref="LoadSnapshot"/> is the start-up shortcut instead: the store's gallery version, then the snapshot written at
/// it (taken once in the setup from a gallery built the same way).
/// Run: <c>dotnet run -c Release --project benchmarks/Scarlet.Benchmarks -- --filter *GalleryRebuild*</c>
/// (<c>SCARLET_REBUILD_CUSTOMERS=10000</c> for another size).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class GalleryRebuildBenchmarks
{
    private const int Dimension = 128;
    private const string Org = "org";
    private PostgresServer? _server;
    private PostgresDatabase? _db;
    private string? _snapshot;

    /// <summary>Gets or sets the number of customers (one embedding each): 100,000 unless <c>SCARLET_REBUILD_CUSTOMERS</c> says otherwise.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Customers { get; set; }

    /// <summary>Gets the sizes to run.</summary>
    public static IEnumerable<int> Sizes =>
        [int.TryParse(Environment.GetEnvironmentVariable("SCARLET_REBUILD_CUSTOMERS"), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 100_000];

    /// <summary>Starts PostgreSQL and fills one organisation.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _server = new PostgresServer();
        var cs = _server.CreateDatabase();
        _db = new PostgresDatabase(cs);
        var sw = Stopwatch.StartNew();
        using var conn = new NpgsqlConnection(cs);
        conn.Open();
        using (var cmd = new NpgsqlCommand("INSERT INTO organizations(id, name, created_at) VALUES (@o, @o, 0)", conn))
        {
            cmd.Parameters.AddWithValue("o", Org);
            cmd.ExecuteNonQuery();
        }

        var rng = new Random(1234);
        using (var copy = conn.BeginBinaryImport("COPY customers(vector_id, id, org_id, name, loyalty, created_at, auto_registered, total_spend, visit_count) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= Customers; i++)
            {
                copy.StartRow();
                copy.Write((long)i, NpgsqlDbType.Bigint);
                copy.Write("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType.Text);
                copy.Write(Org, NpgsqlDbType.Text);
                copy.Write("n", NpgsqlDbType.Text);
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write(0L, NpgsqlDbType.Bigint);
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write("0", NpgsqlDbType.Text);
                copy.Write(0, NpgsqlDbType.Integer);
            }

            copy.Complete();
        }

        using (var copy = conn.BeginBinaryImport("COPY embeddings(customer_vector_id, org_id, dim, vector) FROM STDIN (FORMAT BINARY)"))
        {
            var v = new float[Dimension];
            for (var i = 1; i <= Customers; i++)
            {
                var norm = 0.0;
                for (var d = 0; d < Dimension; d++)
                {
                    v[d] = (float)(rng.NextDouble() * 2 - 1);
                    norm += v[d] * v[d];
                }

                for (var d = 0; d < Dimension; d++)
                {
                    v[d] /= (float)Math.Sqrt(norm);
                }

                copy.StartRow();
                copy.Write((long)i, NpgsqlDbType.Bigint);
                copy.Write(Org, NpgsqlDbType.Text);
                copy.Write(Dimension, NpgsqlDbType.Integer);
                copy.Write(MemoryMarshal.AsBytes(v.AsSpan()).ToArray(), NpgsqlDbType.Bytea);
            }

            copy.Complete();
        }

        using (var cmd = new NpgsqlCommand("SELECT setval(pg_get_serial_sequence('customers', 'vector_id'), @n); ANALYZE", conn))
        {
            cmd.Parameters.AddWithValue("n", (long)Customers);
            cmd.ExecuteNonQuery();
        }

        Console.WriteLine($"// rebuild: {Customers:N0} customers loaded by COPY in {sw.Elapsed.TotalSeconds:F1} s");

        // The snapshot a host would have written at this store version.
        sw.Restart();
        using (var gallery = BuildAsync().GetAwaiter().GetResult().Gallery)
        {
            _snapshot = Path.Combine(Path.GetTempPath(), $"scarlet-rebuild-{Environment.ProcessId}.gallery");
            using var file = File.Create(_snapshot);
            FaceGallerySnapshot.Write(gallery, file, new SqlCustomerStore(_db).GetGalleryVersionAsync(Org).GetAwaiter().GetResult());
        }

        Console.WriteLine($"// rebuild: snapshot of {Customers:N0} written in {sw.Elapsed.TotalSeconds:F1} s ({new FileInfo(_snapshot).Length / 1e6:F1} MB)");
    }

    /// <summary>Stops PostgreSQL.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_snapshot is not null)
        {
            File.Delete(_snapshot);
        }

        _db?.Dispose();
        _server?.Dispose();
    }

    /// <summary>Reads the organisation's embeddings and builds the gallery (what FaceIdentityService does at start without a current snapshot).</summary>
    /// <returns>The identities loaded.</returns>
    [Benchmark(Baseline = true)]
    public async Task<int> ReadAndBuild()
    {
        var (gallery, read, total) = await BuildAsync();
        using (gallery)
        {
            Console.WriteLine($"// rebuild: read {gallery.IdentityCount:N0} embeddings in {read.TotalSeconds:F1} s, built the gallery in {(total - read).TotalSeconds:F1} s");
            return gallery.IdentityCount;
        }
    }

    /// <summary>Reads the store's gallery version and loads the snapshot taken at it (the start-up shortcut).</summary>
    /// <returns>The identities loaded.</returns>
    [Benchmark]
    public async Task<int> LoadSnapshot()
    {
        var sw = Stopwatch.StartNew();
        var version = await new SqlCustomerStore(_db!).GetGalleryVersionAsync(Org);
        using var file = File.OpenRead(_snapshot!);
        if (FaceGallerySnapshot.ReadStoreVersion(file) != version)
        {
            throw new InvalidOperationException("The snapshot is not at the store's version.");
        }

        file.Position = 0;
        using var gallery = FaceGallerySnapshot.Read(file, expectedModelId: "synthetic");
        Console.WriteLine($"// rebuild: snapshot of {gallery.IdentityCount:N0} loaded in {sw.Elapsed.TotalSeconds:F2} s");
        return gallery.IdentityCount;
    }

    private async Task<(FaceGallery Gallery, TimeSpan Read, TimeSpan Total)> BuildAsync()
    {
        var sw = Stopwatch.StartNew();
        var stored = await new SqlCustomerStore(_db!).ListEmbeddingsAsync(Org);
        var read = sw.Elapsed;
        var gallery = new FaceGallery(Dimension, "synthetic");
        var one = new float[1][];
        foreach (var e in stored)
        {
            one[0] = e.Vector;
            gallery.Import(e.VectorId.ToString(System.Globalization.CultureInfo.InvariantCulture), one);
        }

        return (gallery, read, sw.Elapsed);
    }
}
