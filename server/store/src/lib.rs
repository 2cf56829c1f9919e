//! Omnify's SQL store: one set of repository code for SQLite (the embedded default) and
//! PostgreSQL, chosen by the database URL.
//!
//! Queries are written once in portable SQL and run through `sqlx::Any`, with `$N`
//! placeholders (both backends accept them). Schema changes live in `migrations/` and
//! are applied at start-up and by `omnify migrate`.

mod actions;
mod articles;
mod charts;
mod checkpoints;
mod connections;
mod conversations;
mod escalations;
mod migrate;
pub mod secret_box;
mod sessions;
mod slack;
mod tenants;

pub use actions::AuditEntry;
pub use articles::Article;
pub use connections::{ConnectionInfo, SealedConnection};
pub use conversations::{ConversationInfo, PendingInbound};
pub use escalations::{EscalationEvent, ExpertLogin, NewExpertToken};
pub use slack::{SlackInstallation, SlackThread};
pub use tenants::{ApiKeyIdentity, NewApiKey, Tenant};

use omnify_core::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Every SQLite connection. WAL lets readers run beside the writer; NORMAL syncs at
/// checkpoints, which is durable against a process crash (the case we must survive) and
/// far faster.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// The writer connection also leaves checkpoints to [`checkpoints`]: SQLite runs an
/// automatic checkpoint inside the commit that crosses 1,000 WAL pages, stalling the one
/// writer and every write queued behind it.
const SQLITE_WRITER_PRAGMA: &str = "PRAGMA wal_autocheckpoint = 0;";

/// Which database a URL points at; decides connection settings, never query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::Database(format!(
                "unsupported database URL (expected sqlite:… or postgres://…): {}",
                redact_url(url)
            )))
        }
    }
}

/// The store handle shared by the whole server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SqlStore {
    /// Reads.
    pool: AnyPool,
    /// Writes. On SQLite a pool of one connection: SQLite has one write lock, and
    /// writers queueing here in order is far cheaper than writers on several
    /// connections sleeping in SQLite's busy handler. On PostgreSQL the same pool as reads.
    writer: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connect, creating the SQLite file if needed. Does not migrate: call [`SqlStore::migrate`].
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        // `extra`: pragmas of this pool's connections beyond `SQLITE_PRAGMAS`.
        let open = |connections: u32, extra: &'static str| {
            // No idle timeout and no maximum lifetime: either one starts sqlx's pool
            // reaper, and in sqlx 0.9.0 a race can underflow its idle count so the
            // reaper spins a core forever and the runtime never shuts down
            // (transact-rs/sqlx#3645, fixed upstream by #4289, not yet released). It
            // hung `omnify-eval` at exit here. Connections open on demand and stay.
            let options = AnyPoolOptions::new()
                .max_connections(connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .idle_timeout(None)
                .max_lifetime(None);
            match backend {
                // A local file does not drop connections the way a network does: no
                // ping before each use (it was a round trip to the driver's thread per query).
                Backend::Sqlite => {
                    options
                        .test_before_acquire(false)
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                conn.execute(SQLITE_PRAGMAS).await?;
                                if !extra.is_empty() {
                                    conn.execute(extra).await?;
                                }
                                Ok(())
                            })
                        })
                }
                Backend::Postgres => options,
            }
        };
        let cannot =
            |e: sqlx::Error| StoreError::Database(format!("cannot open {}: {e}", redact_url(url)));
        let pool = open(max_connections, "")
            .connect(url)
            .await
            .map_err(cannot)?;
        let writer = match backend {
            Backend::Sqlite => {
                let writer = open(1, SQLITE_WRITER_PRAGMA)
                    .connect(url)
                    .await
                    .map_err(cannot)?;
                checkpoints::spawn(pool.clone(), checkpoints::EVERY);
                writer
            }
            Backend::Postgres => pool.clone(),
        };
        Ok(Self {
            pool,
            writer,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrate::run(&self.writer).await
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.writer)
            .await
            .map(|_| ())
            .map_err(db)
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// Map a driver error to the core error. The message never contains query parameters.
fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// Microseconds since the epoch, strictly increasing within this process so that a
/// reply written in the same microsecond as its question still sorts after it.
fn now_us() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = chrono::Utc::now().timestamp_micros();
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(current) => prev = current,
        }
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Hide the password in a database URL before it reaches an error message or a log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_and_backends_recognised() {
        assert_eq!(
            redact_url("postgres://omnify:s3cret@db:5432/omnify"),
            "postgres://omnify:***@db:5432/omnify"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(
            Backend::from_url("sqlite://x.db?mode=rwc").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
