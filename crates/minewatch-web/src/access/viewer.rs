//! Who is asking, as every handler sees it: the only way to a record's payload and to
//! the access decisions about it.

use super::*;

/// Who is asking, as every handler sees it.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who it is: private, so that handlers ask the viewer (`may_see`, `may_write`,
    /// `record`, `fields`…) instead of deciding access by hand.
    pub(super) principal: Principal,
    pub account: Option<Account>,
    /// The CSRF token forms must carry.
    pub csrf: String,
    pub redaction: RedactionOptions,
    /// The path that was asked for (what audit entries record as `via`).
    pub path: String,
}

/// A record as one viewer may see it.
pub struct Shown {
    pub record: StoredRecord,
    pub access: RecordAccess,
    pub payload: Value,
}

impl Viewer {
    /// An anonymous visitor: what the public sees.
    pub fn public(redaction: RedactionOptions) -> Viewer {
        Viewer {
            principal: Principal::Anonymous,
            account: None,
            csrf: String::new(),
            redaction,
            path: String::new(),
        }
    }

    pub fn filter(&self) -> RecordFilter {
        self.principal.record_filter()
    }

    /// Who is asking, for the decisions kept indexes make about many records at once
    /// (the gaps); a payload is shown only through `record`, `fields` or `old_fields`.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Whether this viewer may see `record` at all (its name, a link to it).
    pub fn may_see(&self, record: &StoredRecord) -> bool {
        RecordAccess::of(record.kind, &record.id, &record.payload).visible_to(&self.principal)
    }

    /// Whether this viewer may see something at `level` owned by `owner`.
    pub fn can_see(&self, level: minewatch_domain::Visibility, owner: Option<&RecordId>) -> bool {
        self.principal.can_see(level, owner)
    }

    /// Whether this viewer may change records owned by `owner`.
    pub fn may_write(&self, owner: Option<&RecordId>) -> bool {
        self.principal.may_write(owner)
    }

    /// The owner this viewer's new records get by default (its community or
    /// organisation).
    pub fn home(&self) -> Option<minewatch_domain::Scope> {
        self.principal.home()
    }

    /// Whether what this viewer files is reviewed (a staff role), not raw intake.
    pub fn is_staff(&self) -> bool {
        self.principal.grants().iter().any(|g| g.role.is_staff())
    }

    /// Whether this viewer may see a record with these access settings.
    pub fn may_see_access(&self, access: &RecordAccess) -> bool {
        access.visible_to(&self.principal)
    }

    /// Whether this viewer may have a media item's original file (see
    /// [`RecordAccess::original_visible_to`]).
    pub fn may_have_original(
        &self,
        access: &RecordAccess,
        media: &minewatch_domain::Media,
    ) -> bool {
        access.original_visible_to(&self.principal, media.original_published)
    }

    /// Whether this viewer may see a media item's capture metadata (see
    /// [`RecordAccess::capture_visible_to`]).
    pub fn may_see_capture(&self, access: &RecordAccess) -> bool {
        access.capture_visible_to(&self.principal)
    }

    pub fn is_signed_in(&self) -> bool {
        self.principal.is_signed_in()
    }

    pub fn may(&self, action: Action) -> bool {
        self.principal.may(action)
    }

    /// The ledger author of this viewer's changes.
    pub fn author(&self) -> Author {
        match &self.account {
            Some(a) => Author::named(&format!("user:{}", a.username)),
            None => Author::anonymous(),
        }
    }

    /// The record `id` if this viewer may see it (else not found, as if it did not
    /// exist), with the fields they may see. Showing restricted fields to an account is
    /// written to the ledger's audit.
    pub async fn record(&self, state: &AppState, id: &str) -> Result<Shown, AppError> {
        let id = RecordId::parse(id).ok_or(AppError::NotFound)?;
        let record = state.store.get(&id).await?;
        let access = RecordAccess::of(record.kind, &record.id, &record.payload);
        if !access.visible_to(&self.principal) {
            return Err(AppError::NotFound);
        }
        let view = self.fields(&record, &access);
        if !view.restricted_shown.is_empty() && self.is_signed_in() {
            state
                .store
                .record_view(
                    &self.author(),
                    &record.id,
                    &self.path,
                    &view.restricted_shown,
                )
                .await?;
        }
        Ok(Shown {
            payload: view.payload,
            access,
            record,
        })
    }

    /// The record `id` if this viewer may see it, for naming or placing it only (its
    /// label, a cursor): no fields are shown, so no audit entry is written.
    pub async fn sees(&self, state: &AppState, id: &str) -> Option<StoredRecord> {
        let record = state.store.get(&RecordId::parse(id)?).await.ok()?;
        RecordAccess::of(record.kind, &record.id, &record.payload)
            .visible_to(&self.principal)
            .then_some(record)
    }

    /// The fields of a record this viewer may see (for lists and summaries, which show
    /// no restricted field and so write no audit entry).
    pub fn fields(&self, record: &StoredRecord, access: &RecordAccess) -> FieldView {
        view_payload(
            record.kind,
            access,
            &record.payload,
            &self.principal,
            self.redaction,
        )
    }

    /// An old version's fields, judged by the stricter of its own settings and the
    /// record's current ones (a field hidden later stays hidden in the history).
    pub fn old_fields(&self, kind: RecordKind, current: &RecordAccess, payload: &Value) -> Value {
        let mut access = RecordAccess::with_owner(kind, current.owner.clone(), payload);
        for (field, level) in &current.fields {
            let slot = access.fields.entry(field.clone()).or_insert(*level);
            *slot = (*slot).max(*level);
        }
        access.visibility = access.visibility.max(current.visibility);
        view_payload(kind, &access, payload, &self.principal, self.redaction).payload
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or_else(|| AppError::Internal("the access guard did not run".into()))
    }
}
