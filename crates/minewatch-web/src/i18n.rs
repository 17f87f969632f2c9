//! The user's language and the translated text of the interface (Fluent, mn and en).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use minewatch_domain::{Lang, Localized, RecordKind};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./i18n",
        fallback_language: "en",
        // Fluent wraps arguments in Unicode isolation marks; both languages run left to
        // right and the marks break text matching, so they are off.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static MN: LanguageIdentifier = langid!("mn");
static EN: LanguageIdentifier = langid!("en");

/// The cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "lang";

fn langid(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::Mn => &MN,
        Lang::En => &EN,
    }
}

/// The translation of `key`, if there is one.
pub fn try_text(lang: Lang, key: &str) -> Option<String> {
    LOCALES
        .try_lookup(langid(lang), key)
        .or_else(|| kind_message(lang, key))
}

/// The translation of `key`. A missing one is a bug: debug builds (and so every test)
/// stop on it; a release shows the key rather than nothing.
pub fn text(lang: Lang, key: &str) -> String {
    try_text(lang, key).unwrap_or_else(|| missing(key))
}

fn missing(key: &str) -> String {
    if cfg!(debug_assertions) {
        panic!("no message {key:?}: add it to i18n/mn/main.ftl and i18n/en/main.ftl");
    }
    tracing::error!(key, "no message");
    key.to_owned()
}

/// A message of a record kind registered outside the built-in ones (its schema carries
/// its name, plural and field labels in both languages).
fn kind_message(lang: Lang, key: &str) -> Option<String> {
    RecordKind::all()
        .into_iter()
        .flat_map(|k| k.schema().messages)
        .find(|(id, _, _)| *id == key)
        .map(|(_, mn, en)| match lang {
            Lang::Mn => (*mn).to_owned(),
            Lang::En => (*en).to_owned(),
        })
}

/// The translation of `key` with a `count` argument (plural forms).
pub fn text_count(lang: Lang, key: &str, count: i64) -> String {
    let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    args.insert("count".into(), count.into());
    LOCALES
        .try_lookup_with_args(langid(lang), key, &args)
        .unwrap_or_else(|| missing(key))
}

/// The language of a request: the `lang` cookie, else the browser's preference, else
/// Mongolian (the first users' language).
pub fn negotiate(parts: &Parts) -> Lang {
    let cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::parse(value));
    if let Some(lang) = cookie {
        return lang;
    }
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept
        .split(',')
        .filter_map(|item| item.split(';').next())
        .filter_map(|tag| Lang::parse(tag.split('-').next().unwrap_or("")))
        .next()
        .unwrap_or(Lang::Mn)
}

/// The jurisdiction's time zone, as the access guard hands it to every request.
#[derive(Debug, Clone)]
pub struct LocalTime(pub jiff::tz::TimeZone);

/// A link of the language switch.
pub struct LangLink {
    pub code: &'static str,
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// An entry of the main navigation.
pub struct NavItem {
    pub label: String,
    pub href: &'static str,
    pub current: bool,
}

/// What every page needs to know about the request: its language, where it is, and
/// who is signed in (for the header and the forms' CSRF token).
#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    /// The jurisdiction's time (the pack's), which times on pages are shown in.
    pub time_zone: jiff::tz::TimeZone,
    /// The path and query of the current page, for the language switch to return to.
    pub here: String,
    /// The CSRF token every form of this page carries.
    pub csrf: String,
    /// The signed-in account's display name.
    pub account: Option<String>,
    pub admin: bool,
    /// Whether the viewer may import records (the nav shows the import page).
    pub importer: bool,
    /// Whether the viewer may create and correct records (the lists offer "new").
    pub editor: bool,
}

impl Ui {
    pub fn new(lang: Lang, here: &str) -> Ui {
        Ui {
            lang,
            time_zone: jiff::tz::TimeZone::UTC,
            here: here.to_owned(),
            csrf: String::new(),
            account: None,
            admin: false,
            importer: false,
            editor: false,
        }
    }

    pub fn t(&self, key: &str) -> String {
        text(self.lang, key)
    }

    pub fn t_count(&self, key: &str, count: i64) -> String {
        text_count(self.lang, key, count)
    }

    /// The translation of `key` with named text arguments.
    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, value) in args {
            map.insert((*name).into(), value.clone().into());
        }
        LOCALES
            .try_lookup_with_args(langid(self.lang), key, &map)
            .unwrap_or_else(|| missing(key))
    }

    /// The translation of `key`, or `fallback` where there is none by design (a code a
    /// pack may add, such as a zone type, shown as it is written).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        try_text(self.lang, key).unwrap_or_else(|| fallback.to_owned())
    }

    /// A count as a reader writes it: 100 055 in Mongolian, 100,055 in English.
    pub fn number(&self, n: usize) -> String {
        let sep = match self.lang {
            Lang::Mn => '\u{a0}',
            Lang::En => ',',
        };
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn pick<'a>(&self, text: &'a Localized) -> &'a str {
        text.get(self.lang)
    }

    pub fn kind_label(&self, kind: RecordKind) -> String {
        self.t(&format!("kind-{}", kind.as_str()))
    }

    pub fn languages(&self) -> Vec<LangLink> {
        [(Lang::Mn, "Монгол"), (Lang::En, "English")]
            .into_iter()
            .map(|(lang, label)| LangLink {
                code: lang.code(),
                label,
                href: format!("/lang/{}?next={}", lang.code(), percent_encode(&self.here)),
                current: lang == self.lang,
            })
            .collect()
    }

    pub fn nav(&self) -> Vec<NavItem> {
        let path = self.here.split('?').next().unwrap_or("/");
        [
            ("nav-dashboard", "/"),
            ("nav-communities", "/communities"),
            ("nav-authorities", "/authorities"),
            ("nav-companies", "/companies"),
            ("nav-licences", "/licences"),
            ("nav-observations", "/observations"),
            ("nav-gaps", "/gaps"),
            ("nav-requests", "/requests"),
            ("nav-tracker", "/tracker"),
            ("nav-law", "/law"),
        ]
        .into_iter()
        .map(|(key, href)| NavItem {
            label: self.t(key),
            href,
            current: if href == "/" {
                path == "/"
            } else {
                path == href || path.starts_with(&format!("{href}/"))
            },
        })
        .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let here = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        let mut ui = Ui::new(negotiate(parts), here);
        if let Some(LocalTime(tz)) = parts.extensions.get::<LocalTime>() {
            ui.time_zone = tz.clone();
        }
        if let Some(viewer) = parts.extensions.get::<crate::access::Viewer>() {
            ui.csrf = viewer.csrf.clone();
            ui.account = viewer.account.as_ref().map(|a| a.display_name.clone());
            ui.admin = viewer.may(minewatch_domain::Action::ViewAudit);
            ui.importer = viewer.may(minewatch_domain::Action::ImportRecords);
            ui.editor = viewer.may(minewatch_domain::Action::EditRecords);
        }
        Ok(ui)
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
