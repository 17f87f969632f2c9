//! Letters from the pack's templates: which template a request uses, and filling its
//! `{placeholders}`. The text of a letter is law-adjacent content, so it lives in the
//! pack (mn and en); this module only fills it in.

use jiff::civil::Date;
use std::collections::BTreeMap;

use crate::law::pack::{Pack, Template};
use crate::requests::{RequestType, duty_for};
use crate::text::Lang;

/// The placeholders a template may use, and what each one holds.
pub const PLACEHOLDERS: [(&str, &str); 16] = [
    ("addressee", "the authority the letter goes to"),
    ("requester", "who asks (an organisation, or a person)"),
    (
        "sender",
        "the organisation (or person) the letter comes from",
    ),
    (
        "sender_contact",
        "where the reply goes: the sender's address, phone and email, one per line",
    ),
    ("number", "the sender's outgoing letter number"),
    ("subject", "the request's title"),
    (
        "licence",
        "the licence it is about: number, holder and place",
    ),
    (
        "basis",
        "the provisions the request rests on, in force on the letter's day",
    ),
    ("ask", "what is asked"),
    ("due", "the date an answer is due"),
    ("due_count", "how the due date is counted (7 working days)"),
    ("date", "the letter's date"),
    ("signatory", "who signs: name and title"),
    ("sent", "for a complaint: when the first request was sent"),
    (
        "original_addressee",
        "for a complaint: whom the first request went to",
    ),
    (
        "original_ask",
        "for a complaint: what the first request asked",
    ),
];

/// What a blank placeholder prints as, so a letter can be finished by hand.
pub const BLANK: &str = "__________";

/// A filled letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub template: String,
    pub lang: Lang,
    pub title: String,
    pub body: String,
    /// Placeholders that had no value and print as [`BLANK`].
    pub missing: Vec<String>,
}

/// The template for a request of type `t` sent on `on`: the first whose duties include
/// the duty the request's sending triggers that day (for a complaint, the
/// complaint-reply duty).
pub fn template_for(pack: &Pack, t: RequestType, on: Date) -> Option<&Template> {
    let duty = duty_for(pack, t, on)?;
    pack.templates
        .iter()
        .find(|tpl| tpl.duties.contains(&duty.id))
}

/// The placeholder names in `text`, in order, each once.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !out.contains(&name)
        {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

/// Placeholders of `text` that [`PLACEHOLDERS`] does not know (a pack error).
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    placeholders(text)
        .into_iter()
        .filter(|p| !PLACEHOLDERS.iter().any(|(k, _)| k == p))
        .map(str::to_owned)
        .collect()
}

/// Fills `template` in `lang` with `values` (blank or absent values print as
/// [`BLANK`] and are listed in `missing`).
pub fn fill(template: &Template, lang: Lang, values: &BTreeMap<&str, String>) -> Letter {
    let body = template.body.get(lang);
    let mut out = String::with_capacity(body.len() + 256);
    let mut missing = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str(BLANK);
                        if !missing.iter().any(|m| m == name) {
                            missing.push(name.to_owned());
                        }
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Letter {
        template: template.id.clone(),
        lang,
        title: template.title.get(lang).to_owned(),
        body: out,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack() -> Pack {
        Pack::mongolian().expect("the Mongolian pack")
    }

    #[test]
    fn each_request_type_finds_its_template() {
        let pack = pack();
        assert_eq!(
            template_for(
                &pack,
                RequestType::Information,
                jiff::civil::date(2025, 6, 1)
            )
            .map(|t| t.id.as_str()),
            Some("information-request")
        );
        assert_eq!(
            template_for(&pack, RequestType::Complaint, jiff::civil::date(2025, 6, 1))
                .map(|t| t.id.as_str()),
            Some("complaint-missed-deadline")
        );
    }

    #[test]
    fn filling_replaces_every_placeholder_and_blanks_the_missing_ones() {
        let pack = pack();
        let t = template_for(
            &pack,
            RequestType::Information,
            jiff::civil::date(2025, 6, 1),
        )
        .expect("template");
        let values = BTreeMap::from([
            ("addressee", "Заамар сумын Засаг дарга".to_owned()),
            ("requester", "Туул голын хамгаалах нөхөрлөл".to_owned()),
            ("ask", "Зөвлөлдөх хурлын тэмдэглэл".to_owned()),
            ("due", " ".to_owned()),
        ]);
        let letter = fill(t, Lang::Mn, &values);
        assert!(
            letter
                .body
                .contains("Хүлээн авагч: Заамар сумын Засаг дарга\n")
        );
        assert!(letter.body.contains("Зөвлөлдөх хурлын тэмдэглэл"));
        assert!(!letter.body.contains('{'), "{}", letter.body);
        assert_eq!(
            letter.missing,
            [
                "sender",
                "sender_contact",
                "number",
                "date",
                "subject",
                "licence",
                "basis",
                "due",
                "due_count",
                "signatory"
            ]
        );
        assert!(letter.body.contains(BLANK));
        let en = fill(t, Lang::En, &values);
        assert!(en.body.contains("To: Заамар"));
        assert_eq!(en.title, "Request for information");
    }

    #[test]
    fn the_packs_templates_use_only_known_placeholders() {
        let pack = pack();
        for t in &pack.templates {
            for lang in Lang::ALL {
                assert_eq!(unknown_placeholders(t.body.get(lang)), Vec::<String>::new());
            }
        }
        assert_eq!(unknown_placeholders("{ask} {deadline} {x"), ["deadline"]);
    }
}
