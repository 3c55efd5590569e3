using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class OptionsAndSchemaTests
{
    [Fact]
    public void Defaults_are_valid_given_a_database_path()
    {
        var o = new RetailOptions { DatabasePath = "x.db" };
        Assert.True(new RetailOptionsValidator().Validate(null, o).Succeeded);
        Assert.Equal((AutoRegistrationMode.Disabled, false, 3, TimeSpan.FromDays(30)), (o.AutoRegistration, o.StoreFaceCrops, o.RecommendationCount, o.UnconsentedRetention));
    }

    [Theory]
    [InlineData("path", "DatabasePath")]
    [InlineData("retention", "UnconsentedRetention")]
    [InlineData("crops", "CropDirectory")]
    [InlineData("tz", "StoreTimeZone")]
    [InlineData("loyalty-order", "must not be below")]
    [InlineData("loyalty-empty", "set MinTotalSpend or MinVisits")]
    [InlineData("webhook-url", "absolute http")]
    [InlineData("webhook-secret", "at least 16")]
    [InlineData("zone", "MaxDwell must be positive")]
    public void Invalid_options_fail_with_a_message_naming_the_field(string kind, string expected)
    {
        var o = new RetailOptions { DatabasePath = "x.db" };
        switch (kind)
        {
            case "path": o.DatabasePath = " "; break;
            case "retention": o.UnconsentedRetention = TimeSpan.Zero; break;
            case "crops": o.StoreFaceCrops = true; break;
            case "tz": o.StoreTimeZone = "Mars/Olympus"; break;
            case "loyalty-order": o.LoyaltyRules[2].MinTotalSpend = 10m; break;
            case "loyalty-empty": o.LoyaltyRules.Add(new LoyaltyTierRule { Tier = LoyaltyStatus.Platinum }); break;
            case "webhook-url": o.Webhooks.Add(new WebhookOptions { Url = new Uri("ftp://x/"), Secret = new string('s', 16) }); break;
            case "webhook-secret": o.Webhooks.Add(new WebhookOptions { Url = new Uri("https://x/"), Secret = "short" }); break;
            case "zone": o.ZoneRules.Add(new ZoneRule { Zone = "z", MaxDwell = TimeSpan.Zero }); break;
        }

        var result = new RetailOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AddScarletRetail_rejects_invalid_options_when_resolved()
    {
        var services = new ServiceCollection();
        services.AddScarletRetail(o => o.RecommendationCount = 0);
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<RetailOptions>>().Value);
        Assert.Contains("RecommendationCount", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Database_uses_wal_foreign_keys_and_a_schema_version_and_reopens_without_remigrating()
    {
        using var dir = new TempDir();
        var path = dir.File("sub/folder/s.db");
        using (var db = new SqliteDatabase(path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
            Assert.Equal("ok", db.CheckIntegrity());
        }

        using (var db = new SqliteDatabase(path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
        }

        using var conn = new SqliteConnection($"Data Source={path}");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        // Each migration recorded once (version numbers are reserved per change, so they may have gaps).
        cmd.CommandText = "SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_version";
        Assert.Equal(0L, cmd.ExecuteScalar());
        cmd.CommandText = "SELECT MAX(version) FROM schema_version";
        Assert.Equal((long)SchemaMigrations.LatestVersion, cmd.ExecuteScalar());
    }

    [Fact]
    public async Task Migration_14_keeps_the_rows_of_the_host_state_table_a_web_host_created_itself()
    {
        using var dir = new TempDir();
        var path = dir.File("v13.db");
        new SqliteDatabase(path).Dispose();

        // What a version 13 file of a web host held: its own host_state table (created outside the migrations), one row.
        SqliteConnection.ClearAllPools();
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = """
                DROP TABLE host_state; DELETE FROM schema_version WHERE version = 14;
                CREATE TABLE host_state(kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(kind, id));
                INSERT INTO host_state VALUES ('webhook', 'w1', '{"id":"w1"}', 5);
                """;
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using var db = new SqliteDatabase(path);
        Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
        var store = new SqlHostStateStore(db);
        Assert.Equal(["{\"id\":\"w1\"}"], await store.ListAsync("webhook"));
        await store.PutAsync("webhook", "w0", "{}", DateTimeOffset.FromUnixTimeMilliseconds(1));
        Assert.Equal(["{}", "{\"id\":\"w1\"}"], await store.ListAsync("webhook"));
        Assert.True(await store.DeleteAsync("webhook", "w1"));
        Assert.False(await store.DeleteAsync("webhook", "w1"));
        Assert.Empty(await store.ListAsync("camera"));
    }

    [Fact]
    public async Task Migration_15_adds_the_video_jobs_table_to_a_version_14_file_and_keeps_its_rows()
    {
        using var dir = new TempDir();
        var path = dir.File("v14.db");
        using (var created = new SqliteDatabase(path))
        {
            await new SqlHostStateStore(created).PutAsync("camera", "c1", "{}", DateTimeOffset.FromUnixTimeMilliseconds(1));
        }

        // A version 14 file: no video_jobs table.
        SqliteConnection.ClearAllPools();
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "DROP TABLE video_jobs; DELETE FROM schema_version WHERE version = 15";
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using var db = new SqliteDatabase(path);
        Assert.Equal(15, db.SchemaVersion);
        Assert.Equal(["{}"], await new SqlHostStateStore(db).ListAsync("camera"));
        var jobs = new SqlVideoJobStore(db);
        var job = new VideoJobRecord("j", "org", "cam", "a.mp4", "completed", 3, 3, DateTimeOffset.FromUnixTimeMilliseconds(5), DateTimeOffset.FromUnixTimeMilliseconds(9), null, "{}", "{\"frames\":3}", "j");
        await jobs.SaveAsync(job);
        Assert.Equal([job], await jobs.ListAsync());
    }

    [Fact]
    public void A_database_from_a_newer_library_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("new.db");
        new SqliteDatabase(path).Dispose();
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "INSERT INTO schema_version(version, applied_at) VALUES (99, 'later')";
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(path));
    }

    [Fact]
    public async Task A_version_1_database_gains_the_possible_duplicates_table_and_audit_outcomes_and_keeps_its_data()
    {
        using var dir = new TempDir();
        var path = dir.File("v1.db");
        using (var db = new SqliteDatabase(path))
        {
            await new SqlOrganizationStore(db, TimeProvider.System).EnsureAsync("org", "org");
            await new SqlCustomerStore(db).AddAsync(new Customer { Id = "c1", OrganizationId = "org", Name = "Ada" }, [new float[] { 1, 0 }]);
            await new SqlEventStore(db).AppendAuditAsync(new AuditRecord(0, "org", "customer.read", "c1", "admin", DateTimeOffset.UnixEpoch, string.Empty) { Outcome = "x" });
        }

        // Back to what version 1 left on disk: no possible_duplicates table, no audit outcome, schema version 1.
        SqliteConnection.ClearAllPools();
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = """
                DROP TABLE zone_stays; DROP INDEX ix_visits_visitor;
                DROP TABLE attribute_counts; DROP TABLE customer_attributes;
                DROP TABLE possible_duplicates;
                DROP INDEX ix_audit_subject; DROP INDEX ix_audit_actor; DROP INDEX ix_audit_at; ALTER TABLE audit DROP COLUMN outcome;
                DROP TABLE admin_users; DROP TABLE revoked_tokens; DROP TABLE login_failures; DROP TABLE api_keys; DROP TABLE bus_outbox;
                ALTER TABLE promotions DROP COLUMN enabled;
                DROP INDEX ix_alerts_camera; ALTER TABLE alerts DROP COLUMN camera_id; ALTER TABLE alerts DROP COLUMN rule_id;
                DROP TABLE stream_tickets; DROP TABLE rate_limits;
                DROP TABLE camera_zones; DROP TABLE alert_rules; DROP TABLE gallery_versions; DROP TABLE video_jobs;
                DELETE FROM schema_version WHERE version > 1;
                """;
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using (var db = new SqliteDatabase(path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
            var customers = new SqlCustomerStore(db);
            Assert.Equal("Ada", (await customers.GetAsync("org", "c1"))!.Name);
            await customers.AddAsync(new Customer { Id = "c2", OrganizationId = "org", Name = "Bea" }, []);
            var duplicates = new SqlPossibleDuplicateStore(db);
            await duplicates.AddAsync(new PossibleDuplicate("org", "c2", "c1", 0.4f, DateTimeOffset.UnixEpoch));
            Assert.Single(await duplicates.ListAsync("org"));
            var audit = Assert.Single(await new SqlEventStore(db).GetAuditAsync("org"));
            Assert.Equal(("c1", AuditRecord.Succeeded), (audit.Subject, audit.Outcome));
            Assert.Equal("ok", db.CheckIntegrity());
        }
    }

    /// <summary>Version 11 shipped before 10: a database at 11 without 10's tables gets them, whatever its highest version.</summary>
    [Fact]
    public async Task A_version_11_database_without_migration_10_gets_the_zone_and_alert_rule_tables()
    {
        using var dir = new TempDir();
        var path = dir.File("v11.db");
        new SqliteDatabase(path).Dispose();
        SqliteConnection.ClearAllPools();
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "DROP TABLE camera_zones; DROP TABLE alert_rules; DELETE FROM schema_version WHERE version = 10;";
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using var db = new SqliteDatabase(path);
        Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
        var rules = new SqlAlertRuleStore(db);
        Assert.True(await rules.PutAsync("org", new AlertRule { Id = "r1", Kind = AlertRuleKind.CameraOffline }));
        Assert.Equal("r1", Assert.Single(await rules.ListAsync("org")).Id);
        Assert.Empty(await new SqlZoneStore(db).ListAllAsync());
    }

    /// <summary>
    /// A web host before version 4 kept admin users, revoked tokens and API keys in its own <c>host_*</c> tables of the
    /// same file (the oldest ones without roles or organisations): the migration moves them into the library's tables.
    /// </summary>
    [Fact]
    public async Task A_version_3_database_with_the_hosts_own_admin_tables_moves_them_into_the_migrated_tables()
    {
        using var dir = new TempDir();
        var path = dir.File("v3.db");
        new SqliteDatabase(path).Dispose();
        SqliteConnection.ClearAllPools();
        var hash = System.Security.Cryptography.SHA256.HashData("sck_old"u8);
        using (var conn = new SqliteConnection($"Data Source={path}"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = """
                DROP TABLE admin_users; DROP TABLE revoked_tokens; DROP TABLE login_failures; DROP TABLE api_keys; DROP TABLE bus_outbox; DROP TABLE attribute_counts; DROP TABLE customer_attributes;
                DROP TABLE zone_stays; DROP INDEX ix_visits_visitor;
                ALTER TABLE promotions DROP COLUMN enabled;
                DROP INDEX ix_alerts_camera; ALTER TABLE alerts DROP COLUMN camera_id; ALTER TABLE alerts DROP COLUMN rule_id;
                DROP TABLE stream_tickets; DROP TABLE rate_limits;
                DROP TABLE camera_zones; DROP TABLE alert_rules; DROP TABLE gallery_versions; DROP TABLE video_jobs;
                DELETE FROM schema_version WHERE version > 3;
                CREATE TABLE host_admin_users(
                    username TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL, full_name TEXT NOT NULL,
                    email TEXT NOT NULL, is_active INTEGER NOT NULL, created_at INTEGER NOT NULL);
                INSERT INTO host_admin_users VALUES ('Old-Admin', 'hash-1', 'Old Admin', 'old@example.com', 1, 1000);
                CREATE TABLE host_revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
                INSERT INTO host_revoked_tokens VALUES ('jti-1', 4102444800000);
                CREATE TABLE host_api_keys(
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE, scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL, expires_at INTEGER NULL, last_used_at INTEGER NULL, revoked INTEGER NOT NULL DEFAULT 0,
                    organization_id TEXT NOT NULL DEFAULT 'shop');
                INSERT INTO host_api_keys(id, name, key_hash, scopes, created_at) VALUES ('k1', 'till', $h, 'device display', 2000);
                """;
            cmd.Parameters.AddWithValue("$h", hash);
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using (var db = new SqliteDatabase(path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, db.SchemaVersion);
            var users = new SqlAdminUserStore(db);
            var found = await users.FindAsync("old-admin");
            Assert.Equal(new AdminUser("Old-Admin", "Old Admin", "old@example.com", true, DateTimeOffset.FromUnixTimeMilliseconds(1000), "admin", string.Empty), found!.User);
            Assert.Equal("hash-1", found.PasswordHash);
            Assert.Equal(1, await users.AdoptUnassignedAsync("default"));
            Assert.Equal("default", (await users.FindAsync("OLD-ADMIN"))!.User.OrganizationId);
            Assert.True(await new SqlTokenRevocationStore(db).IsRevokedAsync("jti-1"));
            var key = await new SqlApiKeyStore(db).FindByHashAsync(hash);
            Assert.Equal(("k1", "shop", false), (key!.Id, key.OrganizationId, key.Revoked));
            Assert.Equal(new[] { "device", "display" }, key.Scopes);
            Assert.Equal("ok", db.CheckIntegrity());
        }

        using var check = new SqliteConnection($"Data Source={path}");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('host_admin_users', 'host_revoked_tokens', 'host_api_keys')";
        Assert.Equal(0L, tables.ExecuteScalar());
    }

    [Fact]
    public async Task Sql_injection_attempts_are_plain_data()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync("o'; DROP TABLE customers; --");
        var c = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Robert'); DROP TABLE customers;--" });
        Assert.Equal(c.Name, (await h.Customers.GetAsync(org, c.Id))!.Name);
        Assert.Equal(0, (await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, CameraId = "' OR 1=1 --" })).Total);
        Assert.Equal("ok", h.Database.CheckIntegrity());
    }
}
