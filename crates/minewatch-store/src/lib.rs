//! minewatch storage: the signed ledger, the projections derived from it, and the data
//! directory, on SQLite (the embedded default) or PostgreSQL.
//!
//! Key design decision: every change to a record is an entry in an append-only,
//! hash-chained, signed ledger, and every table a page reads is a projection derived
//! from the ledger. An append and its projection update happen in one database
//! transaction, so a crash leaves the data as it was before the write or after it.
//! `rebuild` re-derives every projection from the ledger alone, with the same code the
//! live path uses, and `verify` re-checks every hash, chain link and signature.
//!
//! One SQL text serves both databases through sqlx's Any driver (see
//! `reference/stack.md` in the shared notes): `$n` placeholders, bigint milliseconds
//! for times, 0/1 integers for booleans, and one migration folder per database.

mod accounts;
pub mod backup;
pub mod blobs;
mod data_dir;
pub mod demo;
mod device;
mod error;
mod exchange;
mod facts;
pub mod geopackage;
mod ledger;
pub mod mail;
pub mod media;
mod projection;
mod records;
mod requests;
pub mod uploads;
mod verify;

pub use accounts::{
    Account, LoginOutcome, MIN_PASSWORD_CHARS, NewAccount, Session, check_password, random_code,
    random_hex, token_hash,
};
pub use data_dir::{DataDir, DataDirError, InitOutcome};
pub use device::DeviceKey;
pub use error::StoreError;
pub use exchange::{ImportReport, Problem};
pub use ledger::{Author, EntryView, Op};
pub use projection::RebuildReport;
pub use records::{AccessEvent, Batch, FieldFilter, ListQuery, StoredRecord, Written};
pub use requests::{DailyReport, LETTER_LANG, SendOutcome};
pub use verify::{VerifyFailure, VerifyReport};

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An open store: a connection pool and the device key that signs this instance's entries.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    url: String,
    backend: Backend,
    device: DeviceKey,
    /// The events records may name (a legal pack's), checked on every write.
    events: Option<std::sync::Arc<minewatch_domain::law::pack::EventNames>>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// This store, refusing records that name an event `pack` does not know (a
    /// disclosure's document, a decision's name). Without it nothing is checked.
    pub fn with_events_of(mut self, pack: &minewatch_domain::Pack) -> Store {
        self.events = minewatch_domain::law::pack::EventNames::of(pack).map(std::sync::Arc::new);
        self
    }

    /// The fields of a payload that name an event the pack does not know.
    pub fn unknown_events(
        &self,
        kind: minewatch_domain::RecordKind,
        payload: &serde_json::Value,
    ) -> Vec<minewatch_domain::records::FieldError> {
        self.events
            .as_ref()
            .map(|e| e.check(kind, payload))
            .unwrap_or_default()
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`), runs pending migrations and
    /// registers the device key.
    pub async fn open(url: &str, device: DeviceKey) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {:?}: expected sqlite://… or postgres://…",
                redact_url(url)
            )));
        };
        let pool = Store::pool(url, backend, false).await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&pool).await,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&pool).await,
        }
        .map_err(|e| StoreError::Config(format!("migrating the database: {e}")))?;
        let store = Store {
            pool,
            url: url.to_owned(),
            backend,
            device,
            events: None,
        };
        store.register_device().await?;
        Ok(store)
    }

    /// Opens `url` only to read it: no migration, no device registered, and a SQLite
    /// file opened read-only, so checking a directory (`verify`) changes nothing in it
    /// (not even folding the write-ahead log into the database).
    pub async fn open_read_only(url: &str, device: DeviceKey) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.split('?').next().unwrap_or(rest);
            (format!("sqlite:{path}?mode=ro"), Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (url.to_owned(), Backend::Postgres)
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {:?}: expected sqlite://… or postgres://…",
                redact_url(url)
            )));
        };
        let pool = Store::pool(&url, backend, true).await?;
        Ok(Store {
            pool,
            url,
            backend,
            device,
            events: None,
        })
    }

    async fn pool(url: &str, backend: Backend, read_only: bool) -> Result<AnyPool, StoreError> {
        Ok(AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 10 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres && read_only {
                        conn.execute("set default_transaction_read_only = on")
                            .await?;
                    }
                    if backend == Backend::Sqlite && read_only {
                        conn.execute("pragma query_only = on").await?;
                        conn.execute("pragma busy_timeout = 10000").await?;
                    } else if backend == Backend::Sqlite {
                        // WAL lets readers proceed during a write; FULL syncs the WAL at
                        // every commit, so an acknowledged write survives power loss too.
                        conn.execute("pragma journal_mode = wal").await?;
                        conn.execute("pragma synchronous = full").await?;
                        conn.execute("pragma busy_timeout = 10000").await?;
                        conn.execute("pragma foreign_keys = on").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?)
    }

    /// The URL the store was opened with (it may hold a password: see [`redact_url`]).
    pub fn database_url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The id of the device that signs this store's new entries.
    pub fn device_id(&self) -> &str {
        self.device.id()
    }

    /// A secret token for `purpose` (e.g. a calendar feed's URL): derived from the
    /// device key, so it is stable across restarts, differs per purpose and per
    /// instance, and cannot be guessed without the key. 128 bits, hex.
    pub fn secret_token(&self, purpose: &str) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(b"minewatch secret token v1\0");
        h.update(self.device.to_hex().as_bytes());
        h.update(b"\0");
        h.update(purpose.as_bytes());
        hex::encode(&h.finalize()[..16])
    }

    /// Closes the pool, waiting for connections to finish their work.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers; used by health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// `url` with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch, UTC.
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
