//! Languages and text given in more than one language.

use serde::{Deserialize, Serialize};

/// A language the user interface and the records are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Mongolian, in Cyrillic script.
    Mn,
    /// English.
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Mn, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Mn => "mn",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "mn" | "mn-mn" | "mon" => Some(Lang::Mn),
            "en" | "en-us" | "en-gb" | "eng" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Mn => Lang::En,
            Lang::En => Lang::Mn,
        }
    }
}

/// A name or short text in Mongolian and/or English; at least one is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Localized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Localized {
    pub fn new(mn: &str, en: &str) -> Localized {
        Localized {
            mn: Some(mn.to_owned()),
            en: Some(en.to_owned()),
        }
    }

    /// The text in `lang`, falling back to the other language, then to "".
    pub fn get(&self, lang: Lang) -> &str {
        let (first, second) = match lang {
            Lang::Mn => (&self.mn, &self.en),
            Lang::En => (&self.en, &self.mn),
        };
        first.as_deref().or(second.as_deref()).unwrap_or_default()
    }

    /// Whether two texts name the same thing: equal (ignoring case and surrounding
    /// space) in a language both give.
    pub fn same_as(&self, other: &Localized) -> bool {
        let eq = |a: &Option<String>, b: &Option<String>| match (a.as_deref(), b.as_deref()) {
            (Some(a), Some(b)) => {
                !a.trim().is_empty() && a.trim().to_lowercase() == b.trim().to_lowercase()
            }
            _ => false,
        };
        eq(&self.mn, &other.mn) || eq(&self.en, &other.en)
    }

    pub fn is_empty(&self) -> bool {
        self.mn.as_deref().is_none_or(str::is_empty) && self.en.as_deref().is_none_or(str::is_empty)
    }

    /// Both languages joined, for sorting and search ("Заамар / Zaamar").
    pub fn search_label(&self) -> String {
        match (self.mn.as_deref(), self.en.as_deref()) {
            (Some(mn), Some(en)) if mn != en => format!("{mn} / {en}"),
            (Some(one), _) | (None, Some(one)) => one.to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// The known name closest to `name`, if it is close enough to be what was meant: a
/// typo (a small edit distance) or a shortening (`emp-report` for
/// `emp-report-submitted`).
pub fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.trim();
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| {
            *d <= 2.max(k.len() / 4)
                || (!name.is_empty() && (k.contains(name) || name.contains(*k)))
        })
        .min_by_key(|(d, k)| (*d, *k))
        .map(|(_, k)| k)
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    #[test]
    fn the_nearest_name_is_a_typo_or_a_shortening_and_nothing_far() {
        let known = ["emp-report-submitted", "licence-published", "holder_id"];
        assert_eq!(
            nearest("emp-report", known.into_iter()),
            Some("emp-report-submitted")
        );
        assert_eq!(
            nearest("licence-publised", known.into_iter()),
            Some("licence-published")
        );
        assert_eq!(nearest("holdr_id", known.into_iter()), Some("holder_id"));
        assert_eq!(nearest("naadam", known.into_iter()), None);
    }
}
