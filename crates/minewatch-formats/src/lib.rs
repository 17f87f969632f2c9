//! minewatch file formats: bytes to domain values and back.
//!
//! The canonical JSON the ledger signs (RFC 8785), and records as tables: the columns
//! of each record kind ([`table`]) and CSV, XLSX and GeoJSON files of them ([`sheet`]);
//! iCalendar feeds of deadlines ([`ics`]); media types, capture metadata and public
//! copies ([`media`]); evidence bundles ([`bundle`]).

pub mod bundle;
pub mod cadastre;
pub mod canonical_json;
pub mod gis;
pub mod ics;
pub mod json;
pub mod media;
pub mod sheet;
pub mod table;
pub mod water;
