//! What people look at outside a page: letters as PDF (`pdf`), maps as SVG (`svg`).
//! Later: dossiers and monthly reports, charts, social cards. It takes plain values
//! already in the reader's language and renders them; it decides nothing.

pub mod pdf;
pub mod svg;

pub use pdf::{LetterDoc, letter};
