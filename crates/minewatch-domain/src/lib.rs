//! The minewatch domain: record kinds and their validation, licence numbers, public views
//! of restricted data, and the legal pack model.
//!
//! Key design decision: this crate is pure. It does no I/O (no async, no database, no
//! filesystem, no network), so every rule here can be tested with plain data and reused
//! by the store, the web app, the CLI and exports alike. `.ci/run` checks that
//! `cargo tree -p minewatch-domain` holds none of tokio, sqlx, axum or reqwest.

pub mod access;
pub mod agreement;
pub mod engine;
pub mod evidence;
pub mod explain;
pub mod geo;
pub mod law;
pub mod licence;
pub mod places;
pub mod records;
pub mod requests;
pub mod spatial;
pub mod stats;
pub mod text;

pub use access::redact::{RedactionOptions, public_payload, shareable_payload};
pub use access::{
    Action, FieldView, Grant, OwnerSet, Principal, RecordAccess, RecordFilter, Role, Scope,
    Visibility, view_payload,
};
pub use evidence::{Capture, Media, PublicCopy};
pub use law::pack::{Pack, PackDiagnostic};
pub use licence::{LicenceNumber, LicenceType};
pub use records::{
    DatedDetail, DatedRecord, FieldError, Installment, KindSchema, Link, Record, RecordId,
    RecordKind,
};
pub use text::{Lang, Localized};
