//! Licence numbers as the Mongolian cadastre issues them.
//!
//! Mineral licences are `MV-` (mining) and `XV-` (exploration) followed by digits: six
//! in older records (`MV-017038`), eight in the cadastre's current numbering
//! (`MV-00021252`, `XV-22000012`). Petroleum production-sharing contracts are
//! `ГТБХГ-` and a number, sometimes with a letter (`ГТБХГ-23`, `ГТБХГ-18c`). The
//! letters of `MV`/`XV` are Latin transliterations of Mongolian abbreviations, and
//! people type them in Cyrillic (`МV`, `ХВ`), with spaces, without the dash or in lower
//! case.
//!
//! A number is kept as it was issued (`MV-00021252` stays eight digits) and compared
//! by its key, the prefix and the number without leading zeros (`MV-21252`), so that
//! `MV-021252`, `MV-00021252` and `mv 21252` are the same licence.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenceType {
    Exploration,
    Mining,
    /// A petroleum production-sharing contract (Petroleum Law), not a mineral licence:
    /// the Minerals Law's duties do not apply to it unless the pack says so.
    Petroleum,
}

impl LicenceType {
    pub const ALL: [LicenceType; 3] = [
        LicenceType::Exploration,
        LicenceType::Mining,
        LicenceType::Petroleum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceType::Exploration => "exploration",
            LicenceType::Mining => "mining",
            LicenceType::Petroleum => "petroleum",
        }
    }

    /// Whether the Minerals Law governs it (mining and exploration licences).
    pub fn is_mineral(self) -> bool {
        matches!(self, LicenceType::Exploration | LicenceType::Mining)
    }
}

/// The petroleum contracts' prefix.
const PETROLEUM: &str = "ГТБХГ";

/// A licence number as issued, compared by its key.
#[derive(Debug, Clone)]
pub struct LicenceNumber {
    /// As issued: the prefix in its official letters, a dash, the digits as written.
    text: String,
    /// The prefix and the number without leading zeros (and its letter, in capitals).
    key: String,
    licence_type: LicenceType,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a licence number like MV-017038, XV-00020112 or ГТБХГ-23, found {0:?}")]
pub struct LicenceNumberError(pub String);

impl LicenceNumber {
    pub fn parse(input: &str) -> Result<LicenceNumber, LicenceNumberError> {
        let err = || LicenceNumberError(input.to_owned());
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '–' | '—' | '_' => '-',
                other => other.to_uppercase().next().unwrap_or(other),
            })
            .collect();
        // The prefix: the letters before the first digit (and a dash, if any).
        let split = cleaned.find(|c: char| c.is_ascii_digit()).ok_or_else(err)?;
        let (prefix, rest) = cleaned.split_at(split);
        let prefix = prefix.strip_suffix('-').unwrap_or(prefix);
        let (prefix, licence_type) = match prefix {
            PETROLEUM => (PETROLEUM.to_owned(), LicenceType::Petroleum),
            mineral => {
                // Cyrillic look-alikes typed on a Mongolian keyboard.
                let latin: String = mineral
                    .chars()
                    .map(|c| match c {
                        'М' => 'M',
                        'Х' => 'X',
                        'В' => 'V',
                        other => other,
                    })
                    .collect();
                match latin.as_str() {
                    "MV" => (latin, LicenceType::Mining),
                    "XV" => (latin, LicenceType::Exploration),
                    _ => return Err(err()),
                }
            }
        };
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, letter) = rest.split_at(digits_end);
        // Mineral licences have 1 to 8 digits and nothing after; a petroleum contract's
        // number may end in one letter (`18c`).
        let letter_ok = match licence_type {
            LicenceType::Petroleum => {
                letter.is_empty()
                    || (letter.chars().count() == 1 && letter.chars().all(char::is_alphabetic))
            }
            _ => letter.is_empty(),
        };
        if digits.is_empty() || digits.len() > 8 || !letter_ok {
            return Err(err());
        }
        let number = digits.trim_start_matches('0');
        let number = if number.is_empty() { "0" } else { number };
        // Six-digit mineral numbers written shorter are padded as the cadastre wrote
        // them then; longer ones are kept as issued.
        let digits = match licence_type {
            LicenceType::Petroleum => digits.to_owned(),
            _ => format!("{digits:0>6}"),
        };
        let original_letter: String = input
            .trim()
            .chars()
            .rev()
            .take(letter.chars().count())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Ok(LicenceNumber {
            text: format!("{prefix}-{digits}{original_letter}"),
            key: format!("{prefix}-{number}{letter}"),
            licence_type,
        })
    }

    /// The number as issued.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// What two spellings of one number share: `MV-21252` for `MV-00021252`.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn licence_type(&self) -> LicenceType {
        self.licence_type
    }
}

impl PartialEq for LicenceNumber {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for LicenceNumber {}

impl Hash for LicenceNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for LicenceNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LicenceNumber {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl fmt::Display for LicenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_kept_as_issued_and_found_by_any_spelling() {
        for (input, issued, key, t) in [
            ("MV-017038", "MV-017038", "MV-17038", LicenceType::Mining),
            (" mv-17038 ", "MV-017038", "MV-17038", LicenceType::Mining),
            (
                "XV020112",
                "XV-020112",
                "XV-20112",
                LicenceType::Exploration,
            ),
            (
                "ХV-020112",
                "XV-020112",
                "XV-20112",
                LicenceType::Exploration,
            ),
            ("МВ 019036", "MV-019036", "MV-19036", LicenceType::Mining),
            // The cadastre's eight-digit numbers, kept as issued.
            (
                "MV-00021252",
                "MV-00021252",
                "MV-21252",
                LicenceType::Mining,
            ),
            (
                "MV-11000089",
                "MV-11000089",
                "MV-11000089",
                LicenceType::Mining,
            ),
            (
                "xv 22000012",
                "XV-22000012",
                "XV-22000012",
                LicenceType::Exploration,
            ),
            // Petroleum contracts.
            ("ГТБХГ-23", "ГТБХГ-23", "ГТБХГ-23", LicenceType::Petroleum),
            ("гтбхг 4", "ГТБХГ-4", "ГТБХГ-4", LicenceType::Petroleum),
            (
                "ГТБХГ-18c",
                "ГТБХГ-18c",
                "ГТБХГ-18C",
                LicenceType::Petroleum,
            ),
        ] {
            let n = LicenceNumber::parse(input).unwrap();
            assert_eq!(
                (n.as_str(), n.key(), n.licence_type()),
                (issued, key, t),
                "{input}"
            );
        }
        // One licence however it is typed.
        let a = LicenceNumber::parse("MV-021252").unwrap();
        for other in ["MV-00021252", "mv 21252", "МВ-21252"] {
            assert_eq!(a, LicenceNumber::parse(other).unwrap(), "{other}");
        }
        assert_ne!(a, LicenceNumber::parse("XV-021252").unwrap());
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "MV-",
            "AB-017038",
            "MV-123456789",
            "MV-01703a",
            "17038",
            "M",
            "ГТБХГ-18cd",
            "ГТБХГ-",
        ] {
            assert!(
                LicenceNumber::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
