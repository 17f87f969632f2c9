//! minewatch file formats: bytes to domain values and back.
//!
//! For now this holds the canonical JSON the ledger signs (RFC 8785). Importers and
//! exporters (CSV, GeoJSON, KML, XForms, evidence bundles) join it as they are built.

pub mod canonical_json;
