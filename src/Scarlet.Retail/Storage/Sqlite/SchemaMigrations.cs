using Microsoft.Data.Sqlite;
using Scarlet.Retail.Storage.Sql;

namespace Scarlet.Retail.Storage.Sqlite;

/// <summary>Ordered schema migrations; each runs once, in a transaction, and is recorded in <c>schema_version</c>.</summary>
internal static class SchemaMigrations
{
    private static readonly (int Version, string Sql)[] s_migrations =
    [
        (1, """
            CREATE TABLE organizations(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
            CREATE TABLE customers(
                vector_id INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                org_id TEXT NOT NULL REFERENCES organizations(id),
                name TEXT NOT NULL, email TEXT, loyalty INTEGER NOT NULL, created_at INTEGER NOT NULL,
                auto_registered INTEGER NOT NULL, expires_at INTEGER,
                consent_by TEXT, consent_at INTEGER, consent_method TEXT,
                total_spend TEXT NOT NULL, visit_count INTEGER NOT NULL);
            CREATE INDEX ix_customers_org ON customers(org_id, vector_id);
            CREATE UNIQUE INDEX ux_customers_email ON customers(org_id, email) WHERE email IS NOT NULL;
            CREATE INDEX ix_customers_expiry ON customers(org_id, expires_at) WHERE expires_at IS NOT NULL;
            CREATE TABLE embeddings(
                id INTEGER PRIMARY KEY,
                customer_vector_id INTEGER NOT NULL REFERENCES customers(vector_id) ON DELETE CASCADE,
                org_id TEXT NOT NULL REFERENCES organizations(id),
                dim INTEGER NOT NULL, vector BLOB NOT NULL);
            CREATE INDEX ix_embeddings_customer ON embeddings(customer_vector_id);
            CREATE INDEX ix_embeddings_org ON embeddings(org_id);
            CREATE TABLE products(
                org_id TEXT NOT NULL REFERENCES organizations(id), id TEXT NOT NULL,
                name TEXT NOT NULL, category TEXT NOT NULL, PRIMARY KEY(org_id, id));
            CREATE TABLE product_zones(
                org_id TEXT NOT NULL, product_id TEXT NOT NULL, zone TEXT NOT NULL,
                PRIMARY KEY(org_id, zone, product_id),
                FOREIGN KEY(org_id, product_id) REFERENCES products(org_id, id) ON DELETE CASCADE);
            CREATE TABLE purchases(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                product_id TEXT NOT NULL, quantity INTEGER NOT NULL, amount TEXT NOT NULL, purchased_at INTEGER NOT NULL,
                FOREIGN KEY(org_id, product_id) REFERENCES products(org_id, id));
            CREATE INDEX ix_purchases_customer ON purchases(org_id, customer_id, purchased_at);
            CREATE TABLE visitors(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                centroid BLOB NOT NULL, sightings INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
                customer_id TEXT REFERENCES customers(id) ON DELETE CASCADE);
            CREATE INDEX ix_visitors_org ON visitors(org_id, first_seen);
            CREATE TABLE promotions(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                title TEXT NOT NULL, description TEXT NOT NULL, discount TEXT NOT NULL,
                valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, target INTEGER,
                zones TEXT NOT NULL, windows TEXT NOT NULL, priority INTEGER NOT NULL,
                max_impressions INTEGER, cap_period_ms INTEGER NOT NULL, created_at INTEGER NOT NULL);
            CREATE INDEX ix_promotions_org ON promotions(org_id, valid_to);
            CREATE TABLE impressions(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL,
                promotion_id TEXT NOT NULL REFERENCES promotions(id) ON DELETE CASCADE,
                customer_id TEXT, zone TEXT, shown_at INTEGER NOT NULL);
            CREATE INDEX ix_impressions ON impressions(org_id, promotion_id, customer_id, shown_at);
            CREATE TABLE visits(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                store_id TEXT NOT NULL, person_id TEXT NOT NULL, customer_id TEXT, visitor_id TEXT,
                entry_at INTEGER NOT NULL, exit_at INTEGER, is_returning INTEGER NOT NULL);
            CREATE INDEX ix_visits_store ON visits(org_id, store_id, entry_at);
            CREATE INDEX ix_visits_person ON visits(org_id, store_id, person_id) WHERE exit_at IS NULL;
            CREATE INDEX ix_visits_customer ON visits(org_id, customer_id);
            CREATE TABLE detections(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                camera_id TEXT NOT NULL, status INTEGER NOT NULL,
                box_x REAL, box_y REAL, box_w REAL, box_h REAL,
                confidence REAL NOT NULL, distance REAL, customer_id TEXT, visitor_id TEXT, crop_path TEXT, ts INTEGER NOT NULL);
            CREATE INDEX ix_detections_ts ON detections(org_id, ts);
            CREATE INDEX ix_detections_camera ON detections(org_id, camera_id, ts);
            CREATE INDEX ix_detections_customer ON detections(org_id, customer_id);
            CREATE INDEX ix_detections_visitor ON detections(org_id, visitor_id);
            CREATE TABLE alerts(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                level INTEGER NOT NULL, kind INTEGER NOT NULL, zone TEXT NOT NULL, person_id TEXT,
                message TEXT NOT NULL, raised_at INTEGER NOT NULL, ack_by TEXT, ack_at INTEGER);
            CREATE INDEX ix_alerts ON alerts(org_id, raised_at);
            CREATE TABLE logs(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                ts INTEGER NOT NULL, level TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL, customer_id TEXT);
            CREATE INDEX ix_logs ON logs(org_id, id);
            CREATE TABLE dead_letters(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                sink TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
                attempts INTEGER NOT NULL, last_error TEXT NOT NULL, failed_at INTEGER NOT NULL);
            CREATE TABLE audit(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                action TEXT NOT NULL, subject TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT NOT NULL);
            """),

        // Possible duplicate customers (lookalike registrations). Both ends cascade: erasing a customer leaves no pair behind.
        (2, """
            CREATE TABLE possible_duplicates(
                org_id TEXT NOT NULL REFERENCES organizations(id),
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                existing_customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                similarity REAL NOT NULL, flagged_at INTEGER NOT NULL,
                PRIMARY KEY(org_id, customer_id, existing_customer_id),
                CHECK(customer_id <> existing_customer_id));
            CREATE INDEX ix_possible_duplicates_customer ON possible_duplicates(customer_id);
            CREATE INDEX ix_possible_duplicates_existing ON possible_duplicates(existing_customer_id);
            CREATE INDEX ix_possible_duplicates_flagged ON possible_duplicates(org_id, flagged_at);
            """),

        // The audit trail answers "who looked up whom": how each action ended, and look-ups by subject and by actor.
        (3, """
            ALTER TABLE audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
            CREATE INDEX ix_audit_subject ON audit(org_id, subject, at);
            CREATE INDEX ix_audit_actor ON audit(org_id, actor, at);
            CREATE INDEX ix_audit_at ON audit(org_id, at);
            """),

        // Admin state (users, revoked tokens, failed log-ins, API keys) joins the library's schema, so hosts sharing a
        // database share it. Hosts before this kept it in host_* tables of this file: ImportHostTables moves them.
        (4, AdminStateSql),

        // The events a host raised that the cluster's bus has not taken yet (RedisEventBridge): a Redis outage or a
        // restart of the host delays them instead of losing them.
        (5, """
            CREATE TABLE bus_outbox(
                seq INTEGER PRIMARY KEY AUTOINCREMENT, host_id TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL,
                payload BLOB NOT NULL, created_at INTEGER NOT NULL);
            CREATE INDEX ix_bus_outbox_host ON bus_outbox(host_id, seq);
            """),

        // Promotions can be switched off and on without losing their settings (PUT /api/promotions/{id}).
        (6, """
            ALTER TABLE promotions ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
            """),

        // Alerts of alert rules name their camera and rule (filters of GET /api/alerts).
        (7, """
            ALTER TABLE alerts ADD COLUMN camera_id TEXT;
            ALTER TABLE alerts ADD COLUMN rule_id TEXT;
            CREATE INDEX ix_alerts_camera ON alerts(org_id, camera_id, raised_at);
            """),

        // Face attribute statistics (docs/privacy.md): counters per hour, camera, zone, kind and value, never a row per
        // face; a consenting customer's latest attributes, deleted with the customer.
        (8, """
            CREATE TABLE attribute_counts(
                org_id TEXT NOT NULL REFERENCES organizations(id), hour_start INTEGER NOT NULL,
                camera_id TEXT NOT NULL, zone TEXT NOT NULL, kind INTEGER NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL,
                PRIMARY KEY(org_id, hour_start, camera_id, zone, kind, value));
            CREATE TABLE customer_attributes(
                org_id TEXT NOT NULL REFERENCES organizations(id),
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                gender TEXT NOT NULL, age_years REAL, emotion TEXT, updated_at INTEGER NOT NULL,
                PRIMARY KEY(org_id, customer_id));
            """),

        // One visit per person (VisitAnalytics): its rows are found again by customer or provisional visitor; each stay
        // of a person in a zone is a row, so dwell per zone can be reported (anonymous: person and visit ids only).
        (9, """
            CREATE INDEX ix_visits_visitor ON visits(org_id, visitor_id, entry_at);
            CREATE TABLE zone_stays(
                id INTEGER PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),
                zone TEXT NOT NULL, person_id TEXT NOT NULL, visit_id TEXT, entered_at INTEGER NOT NULL, exited_at INTEGER NOT NULL);
            CREATE INDEX ix_zone_stays ON zone_stays(org_id, entered_at);
            """),

        // Zones per camera and alert rules, moved out of the web host's own table so that the hosts of a cluster share
        // them; each as JSON (CameraZone.ToJson, an AlertRule in ScarletJson), read whole, never queried inside.
        (10, """
            CREATE TABLE camera_zones(org_id TEXT NOT NULL, camera_id TEXT NOT NULL, zones TEXT NOT NULL, PRIMARY KEY(org_id, camera_id));
            CREATE TABLE alert_rules(id TEXT PRIMARY KEY, org_id TEXT NOT NULL, data TEXT NOT NULL);
            CREATE INDEX ix_alert_rules_org ON alert_rules(org_id);
            """),

        // Shared by the hosts of a cluster (docs/scale-out.md): stream tickets, stored as a hash and used up once on
        // any host, and the log-in rate limit's fixed-window counters.
        (11, """
            CREATE TABLE stream_tickets(
                ticket_hash BLOB PRIMARY KEY, organization_id TEXT NOT NULL, path TEXT NOT NULL, principal TEXT NOT NULL,
                expires_at INTEGER NOT NULL);
            CREATE INDEX ix_stream_tickets_expiry ON stream_tickets(expires_at);
            CREATE TABLE rate_limits(bucket TEXT PRIMARY KEY, window_start INTEGER NOT NULL, hits INTEGER NOT NULL);
            CREATE INDEX ix_rate_limits_start ON rate_limits(window_start);
            """),

        // Dwell per zone per camera: the camera that saw each zone stay (null for stays recorded before).
        (12, """
            ALTER TABLE zone_stays ADD COLUMN camera_id TEXT;
            """),

        // Each organisation's gallery change sequence, bumped in the transaction of every change to its embeddings
        // (enrolment, new embedding, merge, erasure): a gallery snapshot taken at a sequence stands in for the store only
        // while the store is still at it.
        (13, """
            CREATE TABLE gallery_versions(org_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
            """),

        // A host's run-time documents (IHostStateStore), which web hosts before this version kept in a table of the same
        // name they created themselves: IF NOT EXISTS keeps those rows.
        (14, """
            CREATE TABLE IF NOT EXISTS host_state(
                kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, updated_at INTEGER NOT NULL,
                PRIMARY KEY(kind, id));
            """),

        // A host's video analysis jobs (IVideoJobStore), kept across a restart with their results (JSON the host writes,
        // read whole) and where its files are. No foreign key to organizations: a host sharing a PostgreSQL database keeps
        // them in its own SQLite file, where that table is empty.
        (15, """
            CREATE TABLE video_jobs(
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL, camera_id TEXT NOT NULL, file_name TEXT NOT NULL, state TEXT NOT NULL,
                frames_done INTEGER NOT NULL, frames_total INTEGER NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER,
                error TEXT, video TEXT NOT NULL, results TEXT, files_path TEXT NOT NULL);
            CREATE INDEX ix_video_jobs_org ON video_jobs(org_id, created_at);
            """),
    ];

    /// <summary>The admin state tables; user names are unique ignoring ASCII case (the index both engines can use).</summary>
    private const string AdminStateSql = """
        CREATE TABLE admin_users(
            username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, full_name TEXT NOT NULL, email TEXT NOT NULL,
            is_active INTEGER NOT NULL, created_at INTEGER NOT NULL, role TEXT NOT NULL, organization_id TEXT NOT NULL);
        CREATE UNIQUE INDEX ux_admin_users_name ON admin_users(lower(username));
        CREATE INDEX ix_admin_users_org ON admin_users(organization_id);
        CREATE TABLE revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
        CREATE INDEX ix_revoked_tokens_expiry ON revoked_tokens(expires_at);
        CREATE TABLE login_failures(name_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER);
        CREATE TABLE api_keys(
            id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE,
            scopes TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER, revoked INTEGER NOT NULL);
        CREATE INDEX ix_api_keys_org ON api_keys(organization_id, created_at);
        """;

    public static int LatestVersion => s_migrations[^1].Version;

    public static void Apply(SqliteConnection conn)
    {
        SqlDatabase.Execute(conn, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
        var current = CurrentVersion(conn);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException($"Database schema version {current} is newer than this library supports ({LatestVersion}).");
        }

        // Each version not yet recorded, not only those above the highest: 11 shipped before 10, so a database at 11 still lacks 10.
        var applied = SqlDatabase.Query(conn, null, "SELECT version FROM schema_version", r => r.GetInt32(0)).ToHashSet();
        foreach (var (version, sql) in s_migrations)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            using var tx = conn.BeginTransaction();
            SqlDatabase.Execute(conn, sql, tx);
            if (version == 4)
            {
                ImportHostTables(conn, tx);
            }

            SqlDatabase.Execute(conn, "INSERT INTO schema_version(version, applied_at) VALUES ($v, datetime('now'))", tx, ("$v", version));
            tx.Commit();
        }
    }

    /// <summary>
    /// Moves the admin state of a web host from before version 4 (its own <c>host_*</c> tables in this file, created
    /// outside the migrations) into the migrated tables, in the migration's transaction, and drops the old tables. Older
    /// tables may lack <c>role</c> (every user was an admin) and <c>organization_id</c> (left empty; the host adopts
    /// such rows into its configured organisation at start, as it did before).
    /// </summary>
    private static void ImportHostTables(SqliteConnection conn, SqliteTransaction tx)
    {
        if (HasTable(conn, tx, "host_admin_users"))
        {
            var role = HasColumn(conn, tx, "host_admin_users", "role") ? "role" : "'admin'";
            var org = HasColumn(conn, tx, "host_admin_users", "organization_id") ? "organization_id" : "''";
            SqlDatabase.Execute(conn, $"INSERT INTO admin_users(username, password_hash, full_name, email, is_active, created_at, role, organization_id) SELECT username, password_hash, full_name, email, is_active, created_at, {role}, {org} FROM host_admin_users; DROP TABLE host_admin_users;", tx);
        }

        if (HasTable(conn, tx, "host_revoked_tokens"))
        {
            SqlDatabase.Execute(conn, "INSERT INTO revoked_tokens(jti, expires_at) SELECT jti, expires_at FROM host_revoked_tokens; DROP TABLE host_revoked_tokens;", tx);
        }

        if (HasTable(conn, tx, "host_api_keys"))
        {
            var org = HasColumn(conn, tx, "host_api_keys", "organization_id") ? "organization_id" : "''";
            SqlDatabase.Execute(conn, $"INSERT INTO api_keys(id, organization_id, name, key_hash, scopes, created_at, expires_at, last_used_at, revoked) SELECT id, {org}, name, key_hash, scopes, created_at, expires_at, last_used_at, revoked FROM host_api_keys; DROP TABLE host_api_keys;", tx);
        }
    }

    private static bool HasTable(SqliteConnection conn, SqliteTransaction tx, string table) =>
        SqlDatabase.Scalar(conn, tx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $t", ("$t", table)) > 0;

    private static bool HasColumn(SqliteConnection conn, SqliteTransaction tx, string table, string column) =>
        SqlDatabase.Scalar(conn, tx, "SELECT COUNT(*) FROM pragma_table_info($t) WHERE name = $c", ("$t", table), ("$c", column)) > 0;

    public static int CurrentVersion(SqliteConnection conn)
    {
        using var cmd = SqlDatabase.Command(conn, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
