//! Mineral licence numbers as the Mongolian cadastre writes them.
//!
//! The cadastre numbers mining licences `MV-` and exploration licences `XV-`, followed by
//! digits (e.g. `MV-017038`). The letters are Latin transliterations of the Mongolian
//! abbreviations; people also type them in Cyrillic (`МV`, `ХV`), with spaces or without
//! the dash, so parsing normalises those.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenceType {
    Exploration,
    Mining,
}

impl LicenceType {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceType::Exploration => "exploration",
            LicenceType::Mining => "mining",
        }
    }
}

/// A licence number in the cadastre's normal form: `MV-` or `XV-` and 6 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenceNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a licence number like MV-017038 or XV-020112, found {0:?}")]
pub struct LicenceNumberError(pub String);

impl LicenceNumber {
    pub fn parse(input: &str) -> Result<LicenceNumber, LicenceNumberError> {
        let err = || LicenceNumberError(input.to_owned());
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                // Cyrillic look-alikes typed on a Mongolian keyboard.
                'М' | 'м' => 'M',
                'Х' | 'х' => 'X',
                'В' | 'в' => 'V',
                '–' | '—' | '_' => '-',
                other => other.to_ascii_uppercase(),
            })
            .collect();
        let (prefix, digits) = if let Some((p, d)) = cleaned.split_once('-') {
            (p.to_owned(), d.to_owned())
        } else if cleaned.len() > 2 && cleaned.is_char_boundary(2) {
            (cleaned[..2].to_owned(), cleaned[2..].to_owned())
        } else {
            return Err(err());
        };
        if prefix != "MV" && prefix != "XV" {
            return Err(err());
        }
        if digits.is_empty() || digits.len() > 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        Ok(LicenceNumber(format!("{prefix}-{digits:0>6}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn licence_type(&self) -> LicenceType {
        if self.0.starts_with("MV") {
            LicenceType::Mining
        } else {
            LicenceType::Exploration
        }
    }
}

impl fmt::Display for LicenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        for (input, want) in [
            ("MV-017038", "MV-017038"),
            (" mv-17038 ", "MV-017038"),
            ("XV020112", "XV-020112"),
            ("ХV-020112", "XV-020112"),
            ("МВ 019036", "MV-019036"),
        ] {
            assert_eq!(
                LicenceNumber::parse(input).unwrap().as_str(),
                want,
                "{input}"
            );
        }
        assert_eq!(
            LicenceNumber::parse("MV-1").unwrap().licence_type(),
            LicenceType::Mining
        );
        assert_eq!(
            LicenceNumber::parse("XV-1").unwrap().licence_type(),
            LicenceType::Exploration
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "MV-",
            "AB-017038",
            "MV-0170381",
            "MV-01703a",
            "17038",
            "M",
        ] {
            assert!(
                LicenceNumber::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
