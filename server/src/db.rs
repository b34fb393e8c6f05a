//! Storage through sqlx's `Any` driver: one set of queries for SQLite (the zero-set-up default)
//! and PostgreSQL. Only the DDL differs (`migrations/sqlite`, `migrations/postgres`); the
//! queries use `$n` placeholders, which both engines accept, and only TEXT/BIGINT columns, which
//! `Any` maps identically on both.
//!
//! Durability: every write is one autocommitted statement and its `execute` returns only after
//! the commit (SQLite with `synchronous=FULL` in WAL mode, PostgreSQL with its default
//! `synchronous_commit=on`), and handlers answer only after `execute` returns. So an
//! acknowledged write is on disk, whatever happens to the process afterwards.

use std::borrow::Cow;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};

/// Which engine a URL names. Decides the migrations and the per-connection set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Engine, String> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err("LIKENESS_DATABASE_URL must start with sqlite: or postgres://".to_string())
        }
    }
}

/// A stored scan as the handlers need it.
#[derive(Debug, Clone)]
pub struct StoredScan {
    /// The record, JSON text.
    pub record: String,
    pub body_sha256: String,
    pub version: i64,
}

/// The connection pool and the engine behind it.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
}

/// The migrations, compiled into the binary (no files to ship next to it). Built by hand rather
/// than with `sqlx::migrate!` to keep sqlx's proc-macro crate out of the build.
fn migrator(engine: Engine) -> Migrator {
    let (scans, audit): (&'static str, &'static str) = match engine {
        Engine::Sqlite => (
            include_str!("../migrations/sqlite/0001_scans.sql"),
            include_str!("../migrations/sqlite/0002_audit.sql"),
        ),
        Engine::Postgres => (
            include_str!("../migrations/postgres/0001_scans.sql"),
            include_str!("../migrations/postgres/0002_audit.sql"),
        ),
    };
    let migration = |version, name, sql| {
        Migration::new(version, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
    };
    let migrations = vec![migration(1, "scans", scans), migration(2, "audit", audit)];
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// A SQLite URL without `mode=` would fail on a missing file; the default is meant to need no
/// set-up, so create the file unless the URL says otherwise.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Db {
    /// Connects and brings the schema up to date (migrations are idempotent and, on
    /// PostgreSQL, serialised by sqlx's advisory lock, so several servers may start at once).
    pub async fn connect(url: &str) -> Result<Db, String> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url)?;
        let url = match engine {
            Engine::Sqlite => with_create_mode(url),
            Engine::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 10 })
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL: readers do not block the writer. FULL: a commit is fsynced before
                        // it returns, so a 201 survives a power cut, not only a crash.
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        migrator(engine)
            .run(&pool)
            .await
            .map_err(|e| format!("database migration failed: {e}"))?;
        Ok(Db { pool, engine })
    }

    /// Inserts a new scan; `false` when (tenant, id) already exists (nothing is written then).
    pub async fn insert_scan(
        &self,
        tenant: &str,
        id: &str,
        record: &str,
        body_sha256: &str,
        now: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO scans (tenant, id, record, body_sha256, version, received_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT (tenant, id) DO NOTHING",
        )
        .bind(tenant)
        .bind(id)
        .bind(record)
        .bind(body_sha256)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get_scan(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<Option<StoredScan>, sqlx::Error> {
        let row: Option<AnyRow> = sqlx::query(
            "SELECT record, body_sha256, version FROM scans WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredScan {
                record: r.try_get(0)?,
                body_sha256: r.try_get(1)?,
                version: r.try_get(2)?,
            })
        })
        .transpose()
    }

    /// Compare-and-set update: writes only if the row is still at `version`. `false` means a
    /// concurrent update won; the caller re-reads and re-applies.
    pub async fn update_scan(
        &self,
        tenant: &str,
        id: &str,
        version: i64,
        record: &str,
        now: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE scans SET record = $1, version = version + 1, updated_at = $2 \
             WHERE tenant = $3 AND id = $4 AND version = $5",
        )
        .bind(record)
        .bind(now)
        .bind(tenant)
        .bind(id)
        .bind(version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One page of a tenant's records in insertion order, and the tenant's total.
    pub async fn list_scans(
        &self,
        tenant: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<String>, i64), sqlx::Error> {
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM scans WHERE tenant = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let rows = sqlx::query(
            "SELECT record FROM scans WHERE tenant = $1 ORDER BY seq LIMIT $2 OFFSET $3",
        )
        .bind(tenant)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let records = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((records, total))
    }

    /// The tenant of a token hash in the `api_tokens` table (the production token store).
    pub async fn tenant_of_token(&self, token_sha256: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT tenant FROM api_tokens WHERE token_sha256 = $1")
            .bind(token_sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>(0)).transpose()
    }

    /// Adds a token (by its hash) to the `api_tokens` table.
    pub async fn add_token(
        &self,
        tenant: &str,
        token_sha256: &str,
        now: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_tokens (token_sha256, tenant, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_sha256)
        .bind(tenant)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends one audit entry (see migrations/*/0002_audit.sql).
    pub async fn audit(
        &self,
        tenant: &str,
        subject: &str,
        action: &str,
        scan_id: &str,
        now: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at, tenant, subject, action, scan_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now)
        .bind(tenant)
        .bind(subject)
        .bind(action)
        .bind(scan_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A tenant's audit entries, oldest first: (subject, action, scan_id).
    pub async fn audit_entries(
        &self,
        tenant: &str,
    ) -> Result<Vec<(String, String, String)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT subject, action, scan_id FROM audit_log WHERE tenant = $1 ORDER BY seq",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// For `/health`: can the database answer at all?
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_mode_is_added_only_when_missing() {
        assert_eq!(with_create_mode("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(
            with_create_mode("sqlite://a.db?cache=shared"),
            "sqlite://a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            with_create_mode("sqlite://a.db?mode=ro"),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(with_create_mode("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn engines() {
        assert_eq!(Engine::of_url("sqlite://x.db"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://u@h/db"), Ok(Engine::Postgres));
        assert!(Engine::of_url("mysql://h/db").is_err());
    }
}
