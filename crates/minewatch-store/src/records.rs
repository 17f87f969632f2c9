//! The generic record API every record kind goes through: `put`, `correct`, `retract`,
//! `get`, `history` (in `ledger.rs`) and the list queries pages need.
//!
//! Writes go through a [`Batch`]: one database transaction holding any number of
//! changes, so an import or the demo loader is all-or-nothing. The one-change methods on
//! [`Store`] are batches of one.

use minewatch_domain::{
    FieldError, OwnerSet, Record, RecordFilter, RecordId, RecordKind, Visibility,
};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::ledger::{Author, NewEntry, Op};
use crate::projection;
use crate::{Backend, Store, StoreError};

/// A record as its projection holds it now.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: RecordId,
    pub kind: RecordKind,
    pub payload: Value,
    pub label: String,
    pub version: i64,
    pub retracted: bool,
    /// The id of the entry that made this version.
    pub head: String,
    pub created_at_ms: i64,
    pub created_by: String,
    pub updated_at_ms: i64,
    pub updated_by: String,
}

impl StoredRecord {
    /// The payload as a typed record.
    pub fn typed(&self) -> Result<Record, Vec<FieldError>> {
        Record::from_payload(self.kind, &self.payload)
    }

    fn from_row(row: &AnyRow) -> Result<StoredRecord, StoreError> {
        let id: String = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        let payload: String = row.try_get("payload")?;
        let corrupt = |what: String| StoreError::Corrupt(format!("record {id}: {what}"));
        Ok(StoredRecord {
            id: RecordId::parse(&id).ok_or_else(|| corrupt("bad id".into()))?,
            kind: RecordKind::parse(&kind)
                .ok_or_else(|| corrupt(format!("unknown kind {kind:?}")))?,
            payload: serde_json::from_str(&payload).map_err(|e| corrupt(e.to_string()))?,
            label: row.try_get("label")?,
            version: row.try_get("version")?,
            retracted: row.try_get::<i64, _>("retracted")? != 0,
            head: row.try_get("head")?,
            created_at_ms: row.try_get("created_at")?,
            created_by: row.try_get("created_by")?,
            updated_at_ms: row.try_get("updated_at")?,
            updated_by: row.try_get("updated_by")?,
        })
    }
}

/// One audit event: someone saw or exported restricted fields of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEvent {
    pub entry_id: String,
    pub at_ms: i64,
    pub author: String,
    pub record_id: String,
    pub kind: String,
    pub action: String,
    pub via: String,
    pub fields: Vec<String>,
}

/// What a write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub record_id: RecordId,
    pub entry_id: String,
    pub version: i64,
}

/// Filters for [`Store::list`].
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub kind: RecordKind,
    /// Case-insensitive text to find in the record's name (either language).
    pub search: Option<String>,
    pub include_retracted: bool,
    /// Whose view the list is: `None` lists every record (for the CLI and internal use).
    pub visible_to: Option<RecordFilter>,
    /// Only records that refer to each of these (a licence's consultations, a
    /// company's licences).
    pub linked_to: Vec<RecordId>,
    /// Only records whose payload fields have (or have not) one of some values: every
    /// filter holds.
    pub fields: Vec<FieldFilter>,
    pub limit: i64,
    pub offset: i64,
    /// Only records that refer to at least one of these (a company's findings: about
    /// the company or any of its licences).
    pub linked_to_any: Vec<RecordId>,
    /// Read the payloads without their shapes (a list names records, it draws none).
    pub unshaped: bool,
    /// Only records after this (label, id) in the list's order: the keyset cursor of
    /// the next page, which stays right when records are added meanwhile.
    pub after: Option<(String, String)>,
}

/// A list query's SQL with its values bound: `$1` kind, `$2` search pattern, `$3`
/// retracted too, `$4` limit, `$5` offset, then `binds` from `$6` on.
fn list_query(
    sql: String,
    q: &ListQuery,
    limit: i64,
    offset: i64,
    binds: Vec<String>,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(q.kind.as_str().to_owned())
        .bind(list_pattern(q))
        .bind(i64::from(q.include_retracted))
        .bind(limit)
        .bind(offset);
    for b in binds {
        query = query.bind(b);
    }
    query
}

/// The `like` pattern of a list's search text.
fn list_pattern(q: &ListQuery) -> String {
    match q.search.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => format!("%{}%", escape_like(&s.to_lowercase())),
        _ => "%".to_owned(),
    }
}

/// A test of one text field of the payload, e.g. a zone's `zone_type`. A kind's value
/// filters (a licence's `soum.mn`, or an item of its `minerals`) are read from the
/// index the projection keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldFilter {
    /// A field name, or `field.member` (a localized name's `soum.mn`): ASCII letters,
    /// `_` and `.` only (it is written into the SQL).
    pub field: &'static str,
    pub values: Vec<String>,
    /// Keep the records whose field is none of `values` (or absent) instead.
    pub negate: bool,
}

impl FieldFilter {
    /// Records whose `field` is one of `values`.
    pub fn one_of(field: &'static str, values: Vec<String>) -> FieldFilter {
        FieldFilter {
            field,
            values,
            ..FieldFilter::default()
        }
    }
}

impl ListQuery {
    /// Current public records of `kind`; set `visible_to` for a signed-in reader.
    pub fn all(kind: RecordKind) -> ListQuery {
        ListQuery {
            kind,
            search: None,
            include_retracted: false,
            visible_to: Some(RecordFilter::public()),
            linked_to: Vec::new(),
            fields: Vec::new(),
            limit: 1000,
            offset: 0,
            linked_to_any: Vec::new(),
            unshaped: false,
            after: None,
        }
    }

    pub fn visible_to(mut self, filter: &RecordFilter) -> ListQuery {
        self.visible_to = Some(filter.clone());
        self
    }

    /// Every record, whoever may see it: for the CLI and internal lookups, never a page.
    pub fn everything(mut self) -> ListQuery {
        self.visible_to = None;
        self
    }
}

/// The SQL condition for a record filter on the record table aliased `r`; bind values
/// are pushed to `binds`, numbered from `binds.len() + first`.
fn filter_sql(filter: Option<&RecordFilter>, first: usize, binds: &mut Vec<String>) -> String {
    let Some(filter) = filter else {
        return "1 = 1".to_owned();
    };
    let mut any = vec!["r.visibility = 'public'".to_owned()];
    for (level, owners) in [
        (Visibility::Coalition, &filter.coalition),
        (Visibility::CaseTeam, &filter.case_team),
        (Visibility::Private, &filter.private),
    ] {
        let owner = match owners {
            OwnerSet::None => continue,
            OwnerSet::All => "1 = 1".to_owned(),
            OwnerSet::SharedAnd(ids) => {
                let mut cond = "r.owner is null".to_owned();
                if !ids.is_empty() {
                    let places: Vec<String> = ids
                        .iter()
                        .map(|id| {
                            binds.push(id.to_string());
                            format!("${}", first + binds.len() - 1)
                        })
                        .collect();
                    cond = format!("({cond} or r.owner in ({}))", places.join(", "));
                }
                cond
            }
        };
        any.push(format!("(r.visibility = '{}' and {owner})", level.as_str()));
    }
    format!("({})", any.join(" or "))
}

const RECORD_COLUMNS: &str = "id, kind, payload, label, version, retracted, head, created_at, created_by, updated_at, updated_by";

/// A transaction of record changes. Nothing is visible to others until [`Batch::commit`];
/// dropping a batch without committing discards every change in it.
pub struct Batch<'s> {
    store: &'s Store,
    tx: Transaction<'static, Any>,
}

impl Store {
    pub async fn begin(&self) -> Result<Batch<'_>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Take the write lock before reading anything (see `lock_device`).
        self.lock_device(&mut tx).await?;
        Ok(Batch { store: self, tx })
    }

    /// Creates a record with a new id.
    pub async fn put(
        &self,
        author: &Author,
        kind: RecordKind,
        payload: Value,
    ) -> Result<Written, StoreError> {
        let mut batch = self.begin().await?;
        let written = batch.put(author, kind, None, payload).await?;
        batch.commit().await?;
        Ok(written)
    }

    /// Replaces a record's payload. With `base`, refuses if the record changed since
    /// the version whose entry id is `base` (someone else corrected it meanwhile).
    pub async fn correct(
        &self,
        author: &Author,
        id: &RecordId,
        payload: Value,
        base: Option<&str>,
    ) -> Result<Written, StoreError> {
        let mut batch = self.begin().await?;
        let written = batch.correct(author, id, payload, base).await?;
        batch.commit().await?;
        Ok(written)
    }

    /// Withdraws a record, giving the reason. It stays in the ledger and its history.
    pub async fn retract(
        &self,
        author: &Author,
        id: &RecordId,
        reason: &str,
    ) -> Result<Written, StoreError> {
        let mut batch = self.begin().await?;
        let written = batch.retract(author, id, reason).await?;
        batch.commit().await?;
        Ok(written)
    }

    /// The current version of a record, retracted or not.
    pub async fn get(&self, id: &RecordId) -> Result<StoredRecord, StoreError> {
        let sql = format!("select {RECORD_COLUMNS} from record where id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { id: id.to_string() })?;
        StoredRecord::from_row(&row)
    }

    /// Where the records are: it moves with every entry that changes a record (not the
    /// audit's) that any device appends and commits, in whatever order transactions
    /// commit (each device's count only grows), so two equal markers mean no record
    /// changed between them. Caches of what the records say (the pages' evaluation)
    /// compare it on every read; with several `serve` processes on one database, a write
    /// in one is seen by the next page in another, and reading restricted fields (which
    /// appends an audit entry) makes nothing again.
    pub async fn ledger_marker(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "select count(*) as devices, cast(coalesce(sum(changes), 0) as bigint) as entries
             from device",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("devices")?, row.try_get("entries")?))
    }

    /// The record columns with the payload read without its shapes (a licence's
    /// `area`, a zone's `boundary`), for pages that name records and do not draw them.
    fn unshaped_columns(&self, prefix: &str) -> String {
        let payload = match self.backend {
            Backend::Sqlite => {
                format!("json_remove({prefix}payload, '$.area', '$.boundary') as payload")
            }
            Backend::Postgres => {
                format!("({prefix}payload::jsonb - 'area' - 'boundary')::text as payload")
            }
        };
        RECORD_COLUMNS
            .split(", ")
            .map(|c| {
                if c == "payload" {
                    payload.clone()
                } else {
                    format!("{prefix}{c} as {c}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The current versions of these records (those that exist), in no set order,
    /// without their shapes (a licence's `area`, a zone's `boundary`): for naming many
    /// records, not for drawing them.
    pub async fn get_many_unshaped(&self, ids: &[&str]) -> Result<Vec<StoredRecord>, StoreError> {
        let columns = self.unshaped_columns("");
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let places: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "select {columns} from record where id in ({})",
                places.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind((*id).to_owned());
            }
            for row in query.fetch_all(&self.pool).await? {
                out.push(StoredRecord::from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// The SQL text of a payload field (`soum.mn`) of the record aliased `r`.
    fn json_text(&self, field: &'static str) -> String {
        assert!(
            field
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.'),
            "a field filter names a plain field or a member of one"
        );
        match self.backend {
            Backend::Sqlite => format!("json_extract(r.payload, '$.{field}')"),
            Backend::Postgres => {
                format!("(r.payload::jsonb #>> '{{{}}}')", field.replace('.', ","))
            }
        }
    }

    /// The values a kind's value filter (`KindSchema::value_filters`, by its payload
    /// path) takes among the records `q` finds, each with how many records have it, in
    /// text order: the choices of a list's filter (a licence list's soums and minerals).
    /// Read from the index the projection keeps, not from every payload.
    pub async fn distinct_values(
        &self,
        q: &ListQuery,
        field: &'static str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        if !q
            .kind
            .schema()
            .value_filters
            .iter()
            .any(|v| v.path == field)
        {
            return Err(StoreError::Config(format!(
                "{field} is not one of the values a {} list filters by",
                q.kind
            )));
        }
        let (condition, binds) = self.list_condition(q, false);
        let sql = format!(
            "select x.value as v, count(*) as n
             from record r join record_value x on x.record_id = r.id and x.field = '{field}'
             where {condition} and $4 = $4 and $5 = $5 and x.value <> ''
             group by x.value order by x.value limit 5000"
        );
        let query = list_query(sql, q, 0, 0, binds);
        let mut out = Vec::new();
        for row in query.fetch_all(&self.pool).await? {
            let v: Option<String> = row.try_get("v")?;
            let n: i64 = row.try_get("n")?;
            if let Some(v) = v {
                out.push((v, n));
            }
        }
        Ok(out)
    }

    /// Records of one kind, sorted by name (then id), from after `q.after` if set.
    pub async fn list(&self, q: &ListQuery) -> Result<Vec<StoredRecord>, StoreError> {
        let (condition, binds) = self.list_condition(q, true);
        let columns = if q.unshaped {
            self.unshaped_columns("r.")
        } else {
            RECORD_COLUMNS.to_owned()
        };
        let sql = format!(
            "select {columns} from record r where {condition}
             order by label, id limit $4 offset $5"
        );
        let query = list_query(sql, q, q.limit.clamp(1, 10_000), q.offset.max(0), binds);
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(StoredRecord::from_row).collect()
    }

    /// How many records `q` finds in all (its limit, offset and cursor aside).
    pub async fn count(&self, q: &ListQuery) -> Result<i64, StoreError> {
        let (condition, binds) = self.list_condition(q, false);
        // $4 and $5 are the list's limit and offset: bound here too, so both queries
        // number their parameters alike.
        let sql =
            format!("select count(*) as n from record r where {condition} and $4 = $4 and $5 = $5");
        let query = list_query(sql, q, 0, 0, binds);
        Ok(query.fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// The `where` condition of a list query and the values it binds from `$6` on.
    fn list_condition(&self, q: &ListQuery, with_cursor: bool) -> (String, Vec<String>) {
        let mut binds = Vec::new();
        let visible = filter_sql(q.visible_to.as_ref(), 6, &mut binds);
        let mut linked = String::new();
        for target in &q.linked_to {
            binds.push(target.as_str().to_owned());
            linked.push_str(&format!(
                " and exists (select 1 from record_link l where l.from_id = r.id and l.to_id = ${})",
                binds.len() + 5
            ));
        }
        if !q.linked_to_any.is_empty() {
            let places: Vec<String> = q
                .linked_to_any
                .iter()
                .map(|target| {
                    binds.push(target.as_str().to_owned());
                    format!("${}", binds.len() + 5)
                })
                .collect();
            linked.push_str(&format!(
                " and exists (select 1 from record_link l where l.from_id = r.id and l.to_id in ({}))",
                places.join(", ")
            ));
        }
        let mut any_indexed = false;
        for f in &q.fields {
            let places: Vec<String> = f
                .values
                .iter()
                .map(|v| {
                    binds.push(v.clone());
                    format!("${}", binds.len() + 5)
                })
                .collect();
            let set = format!("({})", places.join(", "));
            // A value the kind's list filters by is read from its index; another from
            // the payload (a list's items, or a text).
            let indexed = q
                .kind
                .schema()
                .value_filters
                .iter()
                .any(|v| v.path == f.field);
            // Only a positive filter names few records to start from.
            any_indexed |= indexed && !f.negate;
            let holds = if indexed {
                format!(
                    "r.id in (select record_id from record_value where field = '{}' and value in {set})",
                    f.field
                )
            } else {
                format!("{} in {set}", self.json_text(f.field))
            };
            let absent = if indexed {
                format!("not {holds}")
            } else {
                let value = self.json_text(f.field);
                format!("({value} is null or {value} not in {set})")
            };
            linked.push_str(&match (places.is_empty(), f.negate) {
                (true, true) => String::new(),
                (true, false) => " and 1 = 0".to_owned(),
                (false, true) => format!(" and {absent}"),
                (false, false) => format!(" and {holds}"),
            });
        }
        if with_cursor && let Some((label, id)) = &q.after {
            binds.push(label.clone());
            let l = binds.len() + 5;
            binds.push(id.clone());
            let i = binds.len() + 5;
            linked.push_str(&format!(
                " and (r.label > ${l} or (r.label = ${l} and r.id > ${i}))"
            ));
        }
        // With an indexed value among the filters, SQLite is told not to walk the kind's
        // index in name order (`+kind`), reading every record of the kind, but to start
        // from the few the value index names and sort those.
        let kind = if any_indexed && self.backend == Backend::Sqlite {
            "+kind"
        } else {
            "kind"
        };
        (
            format!(
                "{kind} = $1 and search like $2 escape '\\' and (retracted = 0 or $3 = 1)
                 and {visible}{linked}"
            ),
            binds,
        )
    }

    /// How many current (not retracted) records of each kind `filter` lets one see.
    pub async fn counts(
        &self,
        filter: Option<&RecordFilter>,
    ) -> Result<Vec<(RecordKind, i64)>, StoreError> {
        let mut binds = Vec::new();
        let visible = filter_sql(filter, 1, &mut binds);
        let sql = format!(
            "select kind, count(*) as n from record r where retracted = 0 and {visible}
             group by kind order by kind"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut counts: Vec<(RecordKind, i64)> =
            RecordKind::all().into_iter().map(|k| (k, 0)).collect();
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let n: i64 = row.try_get("n")?;
            if let Some(slot) = counts.iter_mut().find(|(k, _)| k.as_str() == kind) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    /// The most recently changed records `filter` lets one see, without their shapes.
    pub async fn latest(
        &self,
        limit: i64,
        filter: Option<&RecordFilter>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut binds = Vec::new();
        let visible = filter_sql(filter, 2, &mut binds);
        // Named on the dashboard, not drawn: a soum's outline is hundreds of kilobytes.
        let columns = self.unshaped_columns("r.");
        let sql = format!(
            "select {columns} from record r where retracted = 0 and {visible}
             order by updated_at desc, id desc limit $1"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 1000));
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(StoredRecord::from_row).collect()
    }

    /// Current records that refer to `id` (a company's licences, a community's reports).
    pub async fn linked_to(
        &self,
        id: &RecordId,
        filter: Option<&RecordFilter>,
    ) -> Result<Vec<(String, StoredRecord)>, StoreError> {
        self.linked(id, filter, None, None).await
    }

    /// The first `limit` records that refer to `id`, in the order of [`Store::linked_to`]
    /// (a page shows some of a company's two thousand licences, not all).
    pub async fn linked_to_first(
        &self,
        id: &RecordId,
        filter: Option<&RecordFilter>,
        limit: i64,
    ) -> Result<Vec<(String, StoredRecord)>, StoreError> {
        self.linked(id, filter, None, Some(limit)).await
    }

    /// Records that refer to `id`, only by the relation `rel` if given.
    pub(crate) async fn linked(
        &self,
        id: &RecordId,
        filter: Option<&RecordFilter>,
        rel: Option<(&str, RecordKind)>,
        limit: Option<i64>,
    ) -> Result<Vec<(String, StoredRecord)>, StoreError> {
        let mut binds = Vec::new();
        let visible = filter_sql(filter, 2, &mut binds);
        let mut extra = String::new();
        if let Some((rel, kind)) = rel {
            binds.push(rel.to_owned());
            extra.push_str(&format!(" and l.rel = ${}", binds.len() + 1));
            binds.push(kind.as_str().to_owned());
            extra.push_str(&format!(" and r.kind = ${}", binds.len() + 1));
        }
        let limit = match limit {
            Some(n) => format!(" limit {}", n.clamp(1, 100_000)),
            None => String::new(),
        };
        let limit_given = !limit.is_empty();
        // A page's list of what refers to a record names them; it draws none.
        let columns = if limit_given {
            self.unshaped_columns("r.")
        } else {
            RECORD_COLUMNS
                .split(", ")
                .map(|c| format!("r.{c} as {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "select l.rel as rel, {columns} from record_link l join record r on r.id = l.from_id
             where l.to_id = $1 and r.retracted = 0 and {visible}{extra}
             order by r.kind, r.label, r.id{limit}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str().to_owned());
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("rel")?, StoredRecord::from_row(row)?)))
            .collect()
    }

    /// Records that `author` saw or exported restricted fields of `id` (the audit).
    pub async fn record_access(
        &self,
        author: &Author,
        id: &RecordId,
        action: &str,
        via: &str,
        fields: &[String],
    ) -> Result<Written, StoreError> {
        let mut batch = self.begin().await?;
        let written = batch.record_access(author, id, action, via, fields).await?;
        batch.commit().await?;
        Ok(written)
    }

    /// Records that `author` was shown restricted `fields` of `id`, once an hour: a
    /// busy page read again and again must not grow the ledger (and every bundle that
    /// carries it) without bound. Returns whether an entry was written; an export or a
    /// download is always recorded ([`Store::record_access`]).
    pub async fn record_view(
        &self,
        author: &Author,
        id: &RecordId,
        via: &str,
        fields: &[String],
    ) -> Result<bool, StoreError> {
        let since = crate::now_ms() - VIEW_AUDIT_WINDOW_MS;
        let seen = sqlx::query(
            "select 1 as seen from access_event
             where record_id = $1 and author = $2 and action = 'view' and at_ms > $3
                   and fields = $4
             limit 1",
        )
        .bind(id.as_str().to_owned())
        .bind(author.as_str().to_owned())
        .bind(since)
        .bind(serde_json::json!(fields).to_string())
        .fetch_optional(&self.pool)
        .await?;
        if seen.is_some() {
            return Ok(false);
        }
        self.record_access(author, id, "view", via, fields).await?;
        Ok(true)
    }

    /// The audit of restricted data seen or exported, newest first.
    pub async fn access_events(&self, limit: i64) -> Result<Vec<AccessEvent>, StoreError> {
        let rows = sqlx::query(
            "select entry_id, at_ms, author, record_id, kind, action, via, fields
             from access_event order by at_ms desc, entry_id limit $1",
        )
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let fields: String = row.try_get("fields")?;
                Ok(AccessEvent {
                    entry_id: row.try_get("entry_id")?,
                    at_ms: row.try_get("at_ms")?,
                    author: row.try_get("author")?,
                    record_id: row.try_get("record_id")?,
                    kind: row.try_get("kind")?,
                    action: row.try_get("action")?,
                    via: row.try_get("via")?,
                    fields: serde_json::from_str(&fields).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The report a receipt code (its SHA-256) opens.
    pub async fn receipt_record(&self, code_hash: &str) -> Result<Option<RecordId>, StoreError> {
        let row = sqlx::query("select record_id from receipt where code_hash = $1")
            .bind(code_hash.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<String, _>("record_id"))
            .transpose()?
            .and_then(|id| RecordId::parse(&id)))
    }

    /// Whether a record with this id exists (current or retracted).
    pub async fn exists(&self, id: &RecordId) -> Result<bool, StoreError> {
        let row = sqlx::query("select count(*) as n from record where id = $1")
            .bind(id.as_str().to_owned())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

impl Batch<'_> {
    /// Creates a record. `id` is for imports and the demo, which carry stable ids; new
    /// records get a UUID v7.
    pub async fn put(
        &mut self,
        author: &Author,
        kind: RecordKind,
        id: Option<RecordId>,
        payload: Value,
    ) -> Result<Written, StoreError> {
        let record = Record::from_payload(kind, &payload).map_err(StoreError::Invalid)?;
        let unknown = self.store.unknown_events(kind, &payload);
        if !unknown.is_empty() {
            return Err(StoreError::Invalid(unknown));
        }
        let id = match id {
            Some(id) => id,
            None => RecordId::parse(&uuid::Uuid::now_v7().to_string())
                .expect("a UUID is a valid record id"),
        };
        if self.current(&id).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "a record with id {id} exists already"
            )));
        }
        self.check_links(&record).await?;
        self.write(author, Op::Put, kind, &id, None, &payload).await
    }

    pub async fn correct(
        &mut self,
        author: &Author,
        id: &RecordId,
        payload: Value,
        base: Option<&str>,
    ) -> Result<Written, StoreError> {
        let (kind, head, retracted) = self
            .current(id)
            .await?
            .ok_or_else(|| StoreError::NotFound { id: id.to_string() })?;
        if retracted {
            return Err(StoreError::Conflict(format!(
                "record {id} was retracted; it cannot be corrected"
            )));
        }
        if let Some(base) = base
            && base != head
        {
            return Err(StoreError::Conflict(format!(
                "record {id} was changed by someone else since you opened it; reload it and apply your correction again"
            )));
        }
        let record = Record::from_payload(kind, &payload).map_err(StoreError::Invalid)?;
        let unknown = self.store.unknown_events(kind, &payload);
        if !unknown.is_empty() {
            return Err(StoreError::Invalid(unknown));
        }
        self.check_links(&record).await?;
        if record.links().iter().any(|l| l.target == *id) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "",
                "self-reference",
                "a record cannot refer to itself",
            )]));
        }
        self.write(author, Op::Correct, kind, id, Some(&head), &payload)
            .await
    }

    pub async fn retract(
        &mut self,
        author: &Author,
        id: &RecordId,
        reason: &str,
    ) -> Result<Written, StoreError> {
        let (kind, head, retracted) = self
            .current(id)
            .await?
            .ok_or_else(|| StoreError::NotFound { id: id.to_string() })?;
        if retracted {
            return Err(StoreError::Conflict(format!(
                "record {id} is retracted already"
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "required",
                "say why the record is retracted",
            )]));
        }
        let payload = serde_json::json!({ "reason": reason });
        self.write(author, Op::Retract, kind, id, Some(&head), &payload)
            .await
    }

    /// Records, in the ledger, that `author` saw or exported restricted fields of `id`.
    pub async fn record_access(
        &mut self,
        author: &Author,
        id: &RecordId,
        action: &str,
        via: &str,
        fields: &[String],
    ) -> Result<Written, StoreError> {
        let (kind, _, _) = self
            .current(id)
            .await?
            .ok_or_else(|| StoreError::NotFound { id: id.to_string() })?;
        let via: String = via.chars().filter(|c| !c.is_control()).take(500).collect();
        let payload = serde_json::json!({ "action": action, "via": via, "fields": fields });
        self.write(author, Op::Access, kind, id, None, &payload)
            .await
    }

    /// Keeps the SHA-256 of an anonymous report's receipt code, in this transaction.
    pub async fn add_receipt(&mut self, code_hash: &str, id: &RecordId) -> Result<(), StoreError> {
        sqlx::query("insert into receipt (code_hash, record_id) values ($1, $2)")
            .bind(code_hash.to_owned())
            .bind(id.as_str().to_owned())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Makes every change of the batch durable and visible.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    async fn write(
        &mut self,
        author: &Author,
        op: Op,
        kind: RecordKind,
        id: &RecordId,
        supersedes: Option<&str>,
        payload: &Value,
    ) -> Result<Written, StoreError> {
        let appended = self
            .store
            .append(
                &mut self.tx,
                NewEntry {
                    op,
                    kind,
                    record_id: id,
                    author,
                    supersedes,
                    payload,
                },
            )
            .await?;
        let version = projection::apply(&mut self.tx, &appended.id, &appended.body)
            .await
            .map_err(|e| match e {
                projection::ApplyError::Store(e) => e,
                projection::ApplyError::Entry(why) => StoreError::Corrupt(why),
            })?;
        Ok(Written {
            record_id: id.clone(),
            entry_id: appended.id,
            version,
        })
    }

    /// The kind, head entry and retraction of the record `id`, if it exists.
    async fn current(
        &mut self,
        id: &RecordId,
    ) -> Result<Option<(RecordKind, String, bool)>, StoreError> {
        let row = sqlx::query("select kind, head, retracted from record where id = $1")
            .bind(id.as_str().to_owned())
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("kind")?;
        let kind = RecordKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("record {id} has unknown kind {kind:?}")))?;
        Ok(Some((
            kind,
            row.try_get("head")?,
            row.try_get::<i64, _>("retracted")? != 0,
        )))
    }

    /// Every record the new payload refers to must exist, be current, and be of the
    /// right kind.
    async fn check_links(&mut self, record: &Record) -> Result<(), StoreError> {
        let mut problems = Vec::new();
        for link in record.links() {
            match self.current(&link.target).await? {
                Some((kind, _, false)) if kind == link.target_kind => {}
                Some((kind, _, false)) => problems.push(FieldError::new(
                    link.rel,
                    "wrong-reference",
                    format!("{} is a {kind}, not a {}", link.target, link.target_kind),
                )),
                Some((_, _, true)) => problems.push(FieldError::new(
                    link.rel,
                    "unknown-reference",
                    format!("{} {} was retracted", link.target_kind, link.target),
                )),
                None => problems.push(FieldError::new(
                    link.rel,
                    "unknown-reference",
                    format!("no {} with id {}", link.target_kind, link.target),
                )),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(problems))
        }
    }
}

/// How long one view of restricted fields by one account stands for the next ones.
const VIEW_AUDIT_WINDOW_MS: i64 = 3600 * 1000;

/// Escapes `%`, `_` and `\` for a `like … escape '\'` pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Batch<'_> {
    /// Whether a record with this id exists, as this transaction sees it.
    pub async fn exists(&mut self, id: &RecordId) -> Result<bool, StoreError> {
        Ok(self.current(id).await?.is_some())
    }
}
