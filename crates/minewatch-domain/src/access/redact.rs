//! Public views of records: what may be shown to someone who is not on the case.
//!
//! People who report on mining companies face reprisals, so a reporter's identity and
//! contact details, and the exact place they stood (often their own herder camp), never
//! appear in a public page, API response or export. Restricted fields are dropped;
//! exact locations are rounded to a grid so the soum and the area stay visible.

use serde_json::Value;

use crate::access::{Principal, RecordAccess, view_payload};
use crate::records::RecordKind;

/// How public views generalise restricted data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedactionOptions {
    /// Decimal places kept of latitude and longitude: 1 keeps about 11 km, 2 about 1 km.
    pub location_decimals: u8,
}

impl Default for RedactionOptions {
    fn default() -> Self {
        RedactionOptions {
            location_decimals: 1,
        }
    }
}

/// The payload of a `kind` record as the public may see it (fields only: whether the
/// record itself is public is [`crate::access::RecordAccess::visible_to`]'s question).
pub fn public_payload(kind: RecordKind, payload: &Value, options: RedactionOptions) -> Value {
    let access = RecordAccess::with_owner(kind, None, payload);
    view_payload(kind, &access, payload, &Principal::Anonymous, options).payload
}

/// The payload of a record as a file export shares it: the fields that identify people
/// (a reporter, a community's contact person) are left out, with their visibility
/// settings, and exact locations are rounded as public views round them. Returns the
/// payload and the fields left out or rounded. Unlike [`public_payload`], fields the
/// coalition keeps to itself stay: an export is the coalition's own copy.
pub fn shareable_payload(
    kind: RecordKind,
    payload: &Value,
    options: RedactionOptions,
) -> (Value, Vec<&'static str>) {
    let mut out = payload.clone();
    let mut withheld = Vec::new();
    let Some(obj) = out.as_object_mut() else {
        return (out, withheld);
    };
    for field in kind.restricted_fields() {
        if obj.remove(field).is_some() {
            withheld.push(field);
        }
        if let Some(Value::Object(levels)) = obj.get_mut(crate::access::FIELD_VISIBILITY_KEY) {
            levels.remove(field);
        }
    }
    for field in kind.approximate_fields() {
        if let Some(v) = obj.get(field) {
            let rounded = crate::access::approximate(v, options.location_decimals);
            if rounded.as_ref() != Some(v) {
                withheld.push(field);
            }
            match rounded {
                Some(r) => obj.insert((*field).to_owned(), r),
                None => obj.remove(field),
            };
        }
    }
    if matches!(obj.get(crate::access::FIELD_VISIBILITY_KEY), Some(Value::Object(m)) if m.is_empty())
    {
        obj.remove(crate::access::FIELD_VISIBILITY_KEY);
    }
    (out, withheld)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reporter_and_exact_location_are_withheld() {
        let payload = json!({
            "observed_on": "2025-06-01",
            "category": "dust",
            "description": "dust cloud",
            "location": {"lat": 48.123456, "lon": 104.567891},
            "reporter": {"name": "Bat", "phone": "99112233"}
        });
        let public = public_payload(
            RecordKind::Observation,
            &payload,
            RedactionOptions::default(),
        );
        let text = public.to_string();
        assert!(
            !text.contains("Bat") && !text.contains("99112233"),
            "{text}"
        );
        assert!(
            !text.contains("48.123456") && !text.contains("104.567891"),
            "{text}"
        );
        assert_eq!(public["location"], json!({"lat": 48.1, "lon": 104.6}));
        assert_eq!(public["location_approximate"], json!(true));
        assert_eq!(public["description"], json!("dust cloud"));
    }

    #[test]
    fn shared_exports_leave_out_people_and_round_places_but_keep_the_rest() {
        let payload = json!({
            "description": "dust", "place": "bagh 2",
            "location": {"lat": 48.123456, "lon": 104.567891},
            "reporter": {"name": "Bat"},
            "field_visibility": {"reporter": "private", "place": "coalition"}
        });
        let (out, withheld) = shareable_payload(
            RecordKind::Observation,
            &payload,
            RedactionOptions::default(),
        );
        assert_eq!(
            out,
            json!({
                "description": "dust", "place": "bagh 2",
                "location": {"lat": 48.1, "lon": 104.6},
                "field_visibility": {"place": "coalition"}
            })
        );
        assert_eq!(withheld, ["reporter", "location"]);
        // Rounding is idempotent: a shared copy shares as itself.
        let (again, none) =
            shareable_payload(RecordKind::Observation, &out, RedactionOptions::default());
        assert_eq!((again, none.len()), (out, 0));
    }

    #[test]
    fn community_contact_is_withheld() {
        let payload = json!({"name": {"en": "Bagh 3"}, "contact": {"name": "Dorj"}});
        let public = public_payload(RecordKind::Community, &payload, RedactionOptions::default());
        assert_eq!(public, json!({"name": {"en": "Bagh 3"}}));
    }
}
