//! Who may see and do what: roles, scopes, visibility levels and the one access policy.
//!
//! Every page, API route and export asks this module; nothing else decides access.
//! The rules, in short:
//! - a record has a visibility level (`public`, `coalition`, `case_team`, `private`) and an
//!   owner: the community or organisation it belongs to, or none (shared by the whole
//!   workspace: licences, companies, authorities);
//! - each field may have its own level; reporters, contact people and exact locations
//!   default to `case_team`, and an exact location someone may not see is shown rounded;
//! - `public` is for everyone, `coalition` for every account, `case_team` for staff roles
//!   (all but `member`) whose scope covers the owner, `private` for admins and the
//!   coordinators whose scope covers the owner;
//! - a scope covers its own community or organisation and the shared records; a
//!   workspace scope covers everything.

pub mod redact;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::access::redact::RedactionOptions;
use crate::records::{RecordId, RecordKind};

/// A person's role in the coalition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Coordinator,
    Paralegal,
    Lawyer,
    Monitor,
    Member,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Paralegal,
        Role::Lawyer,
        Role::Monitor,
        Role::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Paralegal => "paralegal",
            Role::Lawyer => "lawyer",
            Role::Monitor => "monitor",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff roles work on cases; members follow the coalition's shared work only.
    pub fn is_staff(self) -> bool {
        self != Role::Member
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may see a record or a field, from the widest audience to the narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Visibility {
    Public,
    Coalition,
    CaseTeam,
    Private,
}

impl Visibility {
    pub const ALL: [Visibility; 4] = [
        Visibility::Public,
        Visibility::Coalition,
        Visibility::CaseTeam,
        Visibility::Private,
    ];

    pub const CHOICES: [(&'static str, Visibility); 4] = [
        ("public", Visibility::Public),
        ("coalition", Visibility::Coalition),
        ("case_team", Visibility::CaseTeam),
        ("private", Visibility::Private),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Coalition => "coalition",
            Visibility::CaseTeam => "case_team",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        Visibility::CHOICES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a role is granted over: the whole workspace, one organisation or one community.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Workspace,
    Organisation(RecordId),
    Community(RecordId),
}

impl Scope {
    /// Whether this scope covers a record owned by `owner` (`None`: shared records).
    pub fn covers(&self, owner: Option<&RecordId>) -> bool {
        match (self, owner) {
            (Scope::Workspace, _) | (_, None) => true,
            (Scope::Organisation(id) | Scope::Community(id), Some(owner)) => id == owner,
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self {
            Scope::Workspace => "workspace",
            Scope::Organisation(_) => "organisation",
            Scope::Community(_) => "community",
        }
    }

    pub fn target(&self) -> Option<&RecordId> {
        match self {
            Scope::Workspace => None,
            Scope::Organisation(id) | Scope::Community(id) => Some(id),
        }
    }

    /// Builds a scope from its stored parts.
    pub fn from_parts(kind: &str, target: Option<&str>) -> Option<Scope> {
        let id = || target.and_then(RecordId::parse);
        match kind {
            "workspace" => Some(Scope::Workspace),
            "organisation" => id().map(Scope::Organisation),
            "community" => id().map(Scope::Community),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Workspace => f.write_str("workspace"),
            Scope::Organisation(id) => write!(f, "organisation {id}"),
            Scope::Community(id) => write!(f, "community {id}"),
        }
    }
}

/// A role over a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// Whoever is asking: an anonymous visitor or a signed-in account with its grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Account { id: String, grants: Vec<Grant> },
}

impl Principal {
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Principal::Account { .. })
    }

    pub fn grants(&self) -> &[Grant] {
        match self {
            Principal::Anonymous => &[],
            Principal::Account { grants, .. } => grants,
        }
    }

    pub fn account_id(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Account { id, .. } => Some(id),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.grants()
            .iter()
            .any(|g| g.role == Role::Admin && g.scope == Scope::Workspace)
    }

    /// Whether this principal may see something at `level` owned by `owner`.
    pub fn can_see(&self, level: Visibility, owner: Option<&RecordId>) -> bool {
        match level {
            Visibility::Public => true,
            Visibility::Coalition => self.is_signed_in(),
            Visibility::CaseTeam => self
                .grants()
                .iter()
                .any(|g| g.role.is_staff() && g.scope.covers(owner)),
            Visibility::Private => self.grants().iter().any(|g| {
                matches!(g.role, Role::Admin | Role::Coordinator) && g.scope.covers(owner)
            }),
        }
    }

    /// The filter a list of records needs for this principal: per level, which owners'
    /// records are visible.
    pub fn record_filter(&self) -> RecordFilter {
        let owners = |qualifies: fn(Role) -> bool| -> OwnerSet {
            let mut ids = Vec::new();
            let mut any = false;
            for g in self.grants().iter().filter(|g| qualifies(g.role)) {
                any = true;
                match g.scope.target() {
                    None => return OwnerSet::All,
                    Some(id) => ids.push(id.clone()),
                }
            }
            if !any {
                return OwnerSet::None;
            }
            ids.sort();
            ids.dedup();
            OwnerSet::SharedAnd(ids)
        };
        RecordFilter {
            coalition: if self.is_signed_in() {
                OwnerSet::All
            } else {
                OwnerSet::None
            },
            case_team: owners(Role::is_staff),
            private: owners(|r| matches!(r, Role::Admin | Role::Coordinator)),
        }
    }

    /// Decides one action. Record reads are decided by [`Principal::can_see`].
    pub fn may(&self, action: Action) -> bool {
        match action {
            Action::UseOwnAccount => self.is_signed_in(),
            Action::ViewAudit | Action::ManageAccounts => self.is_admin(),
            Action::ImportRecords => self.grants().iter().any(|g| {
                matches!(g.role, Role::Admin | Role::Coordinator) && g.scope == Scope::Workspace
            }),
            Action::EditRecords => self.grants().iter().any(|g| g.role.is_staff()),
            Action::HandleEvidence => self
                .grants()
                .iter()
                .any(|g| matches!(g.role, Role::Admin | Role::Coordinator | Role::Lawyer)),
        }
    }

    /// The community a new record of this principal's belongs to when it names none:
    /// the community of a principal whose every staff grant is scoped to communities
    /// (the first of them). A principal with a workspace or organisation scope chooses;
    /// without a choice the record is shared.
    pub fn home_community(&self) -> Option<RecordId> {
        match self.home()? {
            Scope::Community(id) => Some(id),
            _ => None,
        }
    }

    /// The scope a new record of this principal's belongs to when it names no owner:
    /// the first scope of a principal whose every staff grant is scoped to a community
    /// or an organisation (`None` for a workspace-wide principal, who chooses).
    pub fn home(&self) -> Option<Scope> {
        let mut home = None;
        for g in self.grants().iter().filter(|g| g.role.is_staff()) {
            match &g.scope {
                Scope::Workspace => return None,
                scope => {
                    home.get_or_insert_with(|| scope.clone());
                }
            }
        }
        home
    }

    /// Whether this principal may create or correct a record owned by `owner` (`None`:
    /// a shared record): a staff role whose scope covers the owner.
    pub fn may_write(&self, owner: Option<&RecordId>) -> bool {
        self.grants()
            .iter()
            .any(|g| g.role.is_staff() && g.scope.covers(owner))
    }
}

/// Actions that need an account (anonymous intake and receipts are open to all and
/// only rate-limited: see the web app's `RoutePolicy::Limited`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Log out, change one's own password.
    UseOwnAccount,
    ViewAudit,
    ManageAccounts,
    /// Import records in bulk: a file can touch any record, so only an admin or a
    /// coordinator of the whole workspace may.
    ImportRecords,
    /// Create and correct records through the forms: staff roles (not `member`), for
    /// records their scope covers ([`Principal::may_write`]).
    EditRecords,
    /// Export evidence bundles (originals with their place and device) and publish an
    /// original: admins, coordinators and lawyers, who answer for what leaves.
    HandleEvidence,
}

/// Whose records of one visibility level a principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerSet {
    /// None at all.
    None,
    /// Every record.
    All,
    /// Shared records (no owner) and those owned by these communities/organisations.
    SharedAnd(Vec<RecordId>),
}

impl OwnerSet {
    pub fn contains(&self, owner: Option<&RecordId>) -> bool {
        match (self, owner) {
            (OwnerSet::None, _) => false,
            (OwnerSet::All, _) | (OwnerSet::SharedAnd(_), None) => true,
            (OwnerSet::SharedAnd(ids), Some(id)) => ids.contains(id),
        }
    }
}

/// Which records a principal may see, level by level (public records: always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFilter {
    pub coalition: OwnerSet,
    pub case_team: OwnerSet,
    pub private: OwnerSet,
}

impl RecordFilter {
    /// The filter of an anonymous visitor: public records only.
    pub fn public() -> RecordFilter {
        Principal::Anonymous.record_filter()
    }

    pub fn allows(&self, level: Visibility, owner: Option<&RecordId>) -> bool {
        match level {
            Visibility::Public => true,
            Visibility::Coalition => self.coalition.contains(owner),
            Visibility::CaseTeam => self.case_team.contains(owner),
            Visibility::Private => self.private.contains(owner),
        }
    }
}

/// A record's access settings, read from its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess {
    pub visibility: Visibility,
    pub owner: Option<RecordId>,
    /// Per-field levels: the kind's defaults, overridden by the record's `field_visibility`.
    pub fields: BTreeMap<String, Visibility>,
}

/// The payload keys that hold access settings rather than facts.
pub const VISIBILITY_KEY: &str = "visibility";
pub const FIELD_VISIBILITY_KEY: &str = "field_visibility";

impl RecordAccess {
    /// Reads the settings of a (validated) payload; anything unreadable falls back to the
    /// kind's defaults.
    pub fn of(kind: RecordKind, id: &RecordId, payload: &Value) -> RecordAccess {
        let owner = match kind {
            RecordKind::Community | RecordKind::Organisation => Some(id.clone()),
            // A report, a request, a case record or an evidence file belongs to the
            // community it names, if any.
            k if k.is_owned_by_community() => {
                let named = |field: &str| {
                    payload
                        .get(field)
                        .and_then(Value::as_str)
                        .and_then(RecordId::parse)
                };
                // A request may belong to an organisation instead (a CSO's own).
                named("community_id").or_else(|| {
                    (k == RecordKind::Request)
                        .then(|| named("organisation_id"))
                        .flatten()
                })
            }
            _ => None,
        };
        RecordAccess::with_owner(kind, owner, payload)
    }

    /// The settings of a payload whose owner is already known.
    pub fn with_owner(kind: RecordKind, owner: Option<RecordId>, payload: &Value) -> RecordAccess {
        let mut visibility = payload
            .get(VISIBILITY_KEY)
            .and_then(Value::as_str)
            .and_then(Visibility::parse)
            .unwrap_or(Visibility::Public);
        // A request not yet sent is a draft: the case team's working text, never public
        // whatever it says, until its first step.
        let draft = kind == RecordKind::Request
            && payload
                .get("steps")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
        if draft && visibility == Visibility::Public {
            visibility = Visibility::CaseTeam;
        }
        let mut fields: BTreeMap<String, Visibility> = kind
            .restricted_fields()
            .chain(kind.approximate_fields())
            .map(|f| (f.to_owned(), Visibility::CaseTeam))
            .collect();
        if let Some(Value::Object(overrides)) = payload.get(FIELD_VISIBILITY_KEY) {
            for (field, level) in overrides {
                if let Some(level) = level.as_str().and_then(Visibility::parse) {
                    fields.insert(field.clone(), level);
                }
            }
        }
        RecordAccess {
            visibility,
            owner,
            fields,
        }
    }

    /// The level of one field: its own, but never wider than the record's.
    pub fn field_level(&self, field: &str) -> Visibility {
        self.fields
            .get(field)
            .copied()
            .unwrap_or(Visibility::Public)
            .max(self.visibility)
    }

    pub fn visible_to(&self, principal: &Principal) -> bool {
        principal.can_see(self.visibility, self.owner.as_ref())
    }

    /// Whether `principal` may see a media item's capture metadata (the exact place a
    /// photo was taken, often a herder camp, and the reporter's device): its field's
    /// level, and never less than the case team's, whether or not this file carries any.
    pub fn capture_visible_to(&self, principal: &Principal) -> bool {
        let level = self.field_level("capture").max(Visibility::CaseTeam);
        self.visible_to(principal) && principal.can_see(level, self.owner.as_ref())
    }

    /// Whether `principal` may have a media item's original file: it carries the capture
    /// metadata, so it is as restricted, unless it was published on purpose.
    pub fn original_visible_to(&self, principal: &Principal, published: bool) -> bool {
        self.visible_to(principal) && (published || self.capture_visible_to(principal))
    }
}

/// What the server decides about a record that arrives without review (anonymous web
/// or API intake, and later OpenRosa and SMS): the fields that name a person or give an
/// exact place stay at least at `case_team`, whatever levels the client sent, so no
/// client, however buggy or hostile, can publish a reporter with one key. The record's
/// own level may only be raised. Returns the fields whose level was raised back.
pub fn clamp_intake_visibility(kind: RecordKind, payload: &mut Value) -> Vec<String> {
    let mut raised = Vec::new();
    let Value::Object(obj) = payload else {
        return raised;
    };
    let protected: Vec<&str> = kind
        .restricted_fields()
        .chain(kind.approximate_fields())
        .collect();
    if let Some(Value::Object(levels)) = obj.get_mut(FIELD_VISIBILITY_KEY) {
        for field in &protected {
            let sent = levels
                .get(*field)
                .and_then(Value::as_str)
                .map(Visibility::parse);
            match sent {
                // Stricter than the default: the reporter's choice stands.
                Some(Some(level)) if level >= Visibility::CaseTeam => {}
                // Wider, or unreadable: back to the default.
                Some(_) => {
                    levels.remove(*field);
                    raised.push((*field).to_owned());
                }
                None => {}
            }
        }
        if levels.is_empty() {
            obj.remove(FIELD_VISIBILITY_KEY);
        }
    }
    raised
}

/// A payload as one principal may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldView {
    pub payload: Value,
    /// Non-public fields this view shows (what an audit entry records).
    pub restricted_shown: Vec<String>,
}

/// The fields of a record `principal` may see. Call it only for a record the principal
/// may see at all ([`RecordAccess::visible_to`]). Access settings are not shown to those
/// who cannot see every field; an exact location someone may not see is shown rounded.
pub fn view_payload(
    kind: RecordKind,
    access: &RecordAccess,
    payload: &Value,
    principal: &Principal,
    options: RedactionOptions,
) -> FieldView {
    let Value::Object(obj) = payload else {
        return FieldView {
            payload: Value::Null,
            restricted_shown: Vec::new(),
        };
    };
    let mut out = Map::new();
    let mut restricted_shown = Vec::new();
    for (key, value) in obj {
        if key == FIELD_VISIBILITY_KEY {
            continue;
        }
        let level = access
            .fields
            .get(key)
            .copied()
            .unwrap_or(Visibility::Public);
        if principal.can_see(level, access.owner.as_ref()) {
            if level > Visibility::Public {
                restricted_shown.push(key.clone());
            }
            out.insert(key.clone(), value.clone());
        } else if kind.approximate_fields().any(|f| f == key)
            && let Some(rounded) = approximate(value, options.location_decimals)
        {
            out.insert(key.clone(), rounded);
            out.insert(format!("{key}_approximate"), Value::Bool(true));
        }
    }
    FieldView {
        payload: Value::Object(out),
        restricted_shown,
    }
}

/// Rounds a `{lat, lon}` point to `decimals` places; anything else is dropped.
pub(crate) fn approximate(value: &Value, decimals: u8) -> Option<Value> {
    let obj = value.as_object()?;
    let scale = 10f64.powi(i32::from(decimals.min(6)));
    let round = |x: f64| (x * scale).round() / scale;
    let lat = round(obj.get("lat")?.as_f64()?);
    let lon = round(obj.get("lon")?.as_f64()?);
    Some(serde_json::json!({ "lat": lat, "lon": lon }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id(s: &str) -> RecordId {
        RecordId::parse(s).unwrap()
    }

    fn account(role: Role, scope: Scope) -> Principal {
        Principal::Account {
            id: format!("{role}"),
            grants: vec![Grant { role, scope }],
        }
    }

    /// The decision table, written out by hand: who sees a record of each level owned by
    /// community A (`a`) or shared (`s`). Columns: public, coalition, case_team, private.
    #[test]
    fn the_visibility_matrix() {
        let a = id("community-a");
        let b = id("community-b");
        let rows: Vec<(&str, Principal, [bool; 4], [bool; 4])> = vec![
            (
                "anonymous",
                Principal::Anonymous,
                [true, false, false, false],
                [true, false, false, false],
            ),
            (
                "member A",
                account(Role::Member, Scope::Community(a.clone())),
                [true, true, false, false],
                [true, true, false, false],
            ),
            (
                "member ws",
                account(Role::Member, Scope::Workspace),
                [true, true, false, false],
                [true, true, false, false],
            ),
            (
                "monitor A",
                account(Role::Monitor, Scope::Community(a.clone())),
                [true, true, true, false],
                [true, true, true, false],
            ),
            (
                "monitor B",
                account(Role::Monitor, Scope::Community(b.clone())),
                [true, true, false, false],
                [true, true, true, false],
            ),
            (
                "paralegal A",
                account(Role::Paralegal, Scope::Community(a.clone())),
                [true, true, true, false],
                [true, true, true, false],
            ),
            (
                "lawyer ws",
                account(Role::Lawyer, Scope::Workspace),
                [true, true, true, false],
                [true, true, true, false],
            ),
            (
                "coordinator A",
                account(Role::Coordinator, Scope::Community(a.clone())),
                [true, true, true, true],
                [true, true, true, true],
            ),
            (
                "coordinator B",
                account(Role::Coordinator, Scope::Community(b.clone())),
                [true, true, false, false],
                [true, true, true, true],
            ),
            (
                "coordinator org",
                account(Role::Coordinator, Scope::Organisation(id("org-x"))),
                [true, true, false, false],
                [true, true, true, true],
            ),
            (
                "admin",
                account(Role::Admin, Scope::Workspace),
                [true, true, true, true],
                [true, true, true, true],
            ),
        ];
        for (name, who, owned, shared) in rows {
            for (i, level) in Visibility::ALL.into_iter().enumerate() {
                assert_eq!(
                    who.can_see(level, Some(&a)),
                    owned[i],
                    "{name} · {level} · owned by A"
                );
                assert_eq!(
                    who.can_see(level, None),
                    shared[i],
                    "{name} · {level} · shared"
                );
                let filter = who.record_filter();
                assert_eq!(
                    filter.allows(level, Some(&a)),
                    owned[i],
                    "{name} · {level} · filter, owned"
                );
                assert_eq!(
                    filter.allows(level, None),
                    shared[i],
                    "{name} · {level} · filter, shared"
                );
            }
        }
    }

    #[test]
    fn actions() {
        let admin = account(Role::Admin, Scope::Workspace);
        let coordinator = account(Role::Coordinator, Scope::Workspace);
        for action in [Action::ViewAudit, Action::ManageAccounts] {
            assert!(admin.may(action));
            assert!(!coordinator.may(action));
            assert!(!Principal::Anonymous.may(action));
        }
        assert!(!Principal::Anonymous.may(Action::UseOwnAccount));
        assert!(account(Role::Coordinator, Scope::Workspace).may(Action::ImportRecords));
        assert!(!account(Role::Coordinator, Scope::Community(id("c"))).may(Action::ImportRecords));
        assert!(!account(Role::Paralegal, Scope::Workspace).may(Action::ImportRecords));
        assert!(account(Role::Lawyer, Scope::Workspace).may(Action::HandleEvidence));
        assert!(account(Role::Coordinator, Scope::Community(id("c"))).may(Action::HandleEvidence));
        assert!(!account(Role::Monitor, Scope::Workspace).may(Action::HandleEvidence));
        assert!(!account(Role::Paralegal, Scope::Workspace).may(Action::HandleEvidence));
        assert!(coordinator.may(Action::UseOwnAccount));
        // An admin role scoped to one community is not a workspace admin.
        assert!(!account(Role::Admin, Scope::Community(id("c"))).may(Action::ViewAudit));
    }

    fn observation() -> Value {
        json!({
            "observed_on": "2025-06-01",
            "category": "dust",
            "description": "dust cloud",
            "community_id": "community-a",
            "location": {"lat": 48.123456, "lon": 104.567891},
            "reporter": {"name": "Bat", "phone": "99112233"}
        })
    }

    #[test]
    fn restricted_fields_follow_the_viewer() {
        let rid = id("obs-1");
        let payload = observation();
        let access = RecordAccess::of(RecordKind::Observation, &rid, &payload);
        assert_eq!(access.owner, Some(id("community-a")));
        let public = view_payload(
            RecordKind::Observation,
            &access,
            &payload,
            &Principal::Anonymous,
            RedactionOptions::default(),
        );
        assert_eq!(
            public.payload["location"],
            json!({"lat": 48.1, "lon": 104.6})
        );
        assert!(public.payload.get("reporter").is_none());
        assert!(public.restricted_shown.is_empty());
        let team = view_payload(
            RecordKind::Observation,
            &access,
            &payload,
            &account(Role::Paralegal, Scope::Community(id("community-a"))),
            RedactionOptions::default(),
        );
        assert_eq!(team.payload["reporter"]["name"], json!("Bat"));
        assert_eq!(team.payload["location"]["lat"], json!(48.123456));
        assert_eq!(team.restricted_shown, vec!["location", "reporter"]);
        let other = view_payload(
            RecordKind::Observation,
            &access,
            &payload,
            &account(Role::Paralegal, Scope::Community(id("community-b"))),
            RedactionOptions::default(),
        );
        assert!(other.payload.get("reporter").is_none());
        assert_eq!(other.payload["location_approximate"], json!(true));
    }

    #[test]
    fn field_visibility_overrides_and_never_widens_past_the_record() {
        let rid = id("obs-1");
        let mut payload = observation();
        payload["field_visibility"] = json!({"reporter": "private", "place": "coalition"});
        payload["place"] = json!("near the river");
        payload["visibility"] = json!("coalition");
        let access = RecordAccess::of(RecordKind::Observation, &rid, &payload);
        assert_eq!(access.field_level("reporter"), Visibility::Private);
        assert_eq!(access.field_level("category"), Visibility::Coalition);
        let paralegal = account(Role::Paralegal, Scope::Workspace);
        let view = view_payload(
            RecordKind::Observation,
            &access,
            &payload,
            &paralegal,
            RedactionOptions::default(),
        );
        assert!(
            view.payload.get("reporter").is_none(),
            "private: coordinators only"
        );
        assert!(view.payload.get("field_visibility").is_none());
        assert!(!access.visible_to(&Principal::Anonymous));
        assert!(access.visible_to(&account(Role::Member, Scope::Workspace)));
    }

    #[test]
    fn intake_cannot_widen_a_reporter_or_an_exact_place() {
        let mut payload = json!({
            "description": "dust",
            "reporter": {"name": "Bat", "phone": "99112233"},
            "location": {"lat": 47.1234567, "lon": 105.7654321},
            "place": "Zaamar",
            "field_visibility": {
                "reporter": "public", "location": "coalition", "place": "private"
            }
        });
        let raised = clamp_intake_visibility(RecordKind::Observation, &mut payload);
        assert_eq!(raised, vec!["reporter".to_owned(), "location".to_owned()]);
        // A stricter choice for another field stands.
        assert_eq!(payload["field_visibility"], json!({"place": "private"}));
        let access = RecordAccess::of(RecordKind::Observation, &id("o-1"), &payload);
        let public = view_payload(
            RecordKind::Observation,
            &access,
            &payload,
            &Principal::Anonymous,
            RedactionOptions::default(),
        );
        assert!(public.payload.get("reporter").is_none());
        assert_eq!(public.payload["location_approximate"], json!(true));

        // Stricter levels for protected fields are kept; unreadable ones are dropped.
        let mut payload = json!({"reporter": {"name": "Bat"},
            "field_visibility": {"reporter": "private", "location": "everyone"}});
        let raised = clamp_intake_visibility(RecordKind::Observation, &mut payload);
        assert_eq!(raised, vec!["location".to_owned()]);
        assert_eq!(payload["field_visibility"], json!({"reporter": "private"}));
    }

    #[cfg(test)]
    mod draft_tests {
        use super::*;

        #[test]
        fn a_draft_request_is_never_public() {
            let id = RecordId::parse("r1").unwrap();
            let draft = serde_json::json!({"visibility": "public", "subject": "x"});
            assert_eq!(
                RecordAccess::of(RecordKind::Request, &id, &draft).visibility,
                Visibility::CaseTeam
            );
            let sent = serde_json::json!({"visibility": "public", "steps": [{"date": "2025-01-02", "state": "sent"}]});
            assert_eq!(
                RecordAccess::of(RecordKind::Request, &id, &sent).visibility,
                Visibility::Public
            );
            // Other kinds keep what they say; a draft's narrower setting stays.
            let private = serde_json::json!({"visibility": "private"});
            assert_eq!(
                RecordAccess::of(RecordKind::Request, &id, &private).visibility,
                Visibility::Private
            );
            assert_eq!(
                RecordAccess::of(RecordKind::Licence, &id, &serde_json::json!({})).visibility,
                Visibility::Public
            );
        }
    }
}
