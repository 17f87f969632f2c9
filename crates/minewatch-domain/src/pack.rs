//! Legal packs: a jurisdiction's legal content as data.
//!
//! This is the first slice of the pack model: the pack's identity and its authority
//! types. Laws, duties, standards and calendars join it with the duty engine. Every item
//! carries its `source` and `confidence`, because a paralegal must be able to show where
//! a rule comes from and how sure we are of it.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;

use crate::text::Localized;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    pub code: String,
    pub name: Localized,
    pub version: String,
    #[serde(default)]
    pub description: Option<Localized>,
}

/// A kind of public body that holds duties, e.g. a soum governor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityType {
    pub id: String,
    pub name: Localized,
    /// `national`, `aimag` or `soum`.
    pub level: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: PackInfo,
    #[serde(default)]
    authority_type: Vec<AuthorityType>,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub info: PackInfo,
    pub authority_types: Vec<AuthorityType>,
}

/// A problem found in a pack file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackDiagnostic {
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for PackDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.file, line, self.field, self.message
            ),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

impl Pack {
    /// Parses `pack.toml` text. `file` names the file in diagnostics.
    pub fn from_toml(file: &str, text: &str) -> Result<Pack, Vec<PackDiagnostic>> {
        let diag = |line, field: &str, message: String| PackDiagnostic {
            file: file.to_owned(),
            line,
            field: field.to_owned(),
            message,
        };
        let parsed: PackFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            vec![diag(line, "", e.message().to_owned())]
        })?;
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i + 1);
        let mut problems = Vec::new();
        if parsed.pack.name.mn.is_none() || parsed.pack.name.en.is_none() {
            problems.push(diag(
                line_of("[pack]"),
                "pack.name",
                "give the name in both mn and en".into(),
            ));
        }
        let mut seen = HashSet::new();
        for t in &parsed.authority_type {
            let line = line_of(&format!("\"{}\"", t.id));
            if !seen.insert(t.id.as_str()) {
                problems.push(diag(
                    line,
                    "authority_type.id",
                    format!("duplicate id {:?}", t.id),
                ));
            }
            if t.name.mn.is_none() || t.name.en.is_none() {
                problems.push(diag(
                    line,
                    "authority_type.name",
                    format!("{:?}: give the name in both mn and en", t.id),
                ));
            }
            if !["national", "aimag", "soum"].contains(&t.level.as_str()) {
                problems.push(diag(
                    line,
                    "authority_type.level",
                    format!("{:?}: expected national, aimag or soum", t.level),
                ));
            }
            if t.source.trim().is_empty() {
                problems.push(diag(
                    line,
                    "authority_type.source",
                    format!("{:?}: a source is required", t.id),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Pack {
                info: parsed.pack,
                authority_types: parsed.authority_type,
            })
        } else {
            Err(problems)
        }
    }

    pub fn authority_type(&self, id: &str) -> Option<&AuthorityType> {
        self.authority_types.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[pack]
code = "xx"
name = { mn = "Туршилт", en = "Test" }
version = "0.1.0"

[[authority_type]]
id = "soum-governor"
name = { mn = "Сумын Засаг дарга", en = "Soum Governor" }
level = "soum"
source = "https://example.org/law"
confidence = "medium"
"#;

    #[test]
    fn a_good_pack_loads() {
        let pack = Pack::from_toml("pack.toml", GOOD).unwrap();
        assert_eq!(pack.info.code, "xx");
        assert_eq!(
            pack.authority_type("soum-governor").unwrap().confidence,
            Confidence::Medium
        );
    }

    #[test]
    fn problems_name_file_line_and_field() {
        let bad = GOOD.replace("confidence = \"medium\"", "confidence = \"sure\"");
        let errs = Pack::from_toml("packs/xx/pack.toml", &bad).unwrap_err();
        assert_eq!(errs[0].file, "packs/xx/pack.toml");
        assert_eq!(errs[0].line, Some(12), "{errs:?}");

        let dup = format!(
            "{GOOD}\n{}",
            &GOOD[GOOD.find("[[authority_type]]").unwrap()..]
        );
        let errs = Pack::from_toml("pack.toml", &dup).unwrap_err();
        assert!(
            errs.iter().any(|e| e.message.contains("duplicate id")),
            "{errs:?}"
        );

        let missing = GOOD.replace("en = \"Soum Governor\"", "");
        let errs = Pack::from_toml("pack.toml", &missing).unwrap_err();
        assert_eq!(errs[0].field, "authority_type.name");
    }
}
