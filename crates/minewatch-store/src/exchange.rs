//! Records in and out as tables (CSV, XLSX, GeoJSON; see `minewatch_formats`).
//!
//! An import is one transaction: every row is checked first, and a file with any bad
//! row writes nothing and reports every problem with its row, column and reason. Rows
//! are matched to records by id, or by natural key (a licence's number, a company's
//! registration number), so importing the same file twice changes nothing: a matched
//! row whose values differ becomes a correction, an identical one is left alone. A row
//! of a kind without a natural key and without an id gets an id made from its content.
//!
//! References (a licence's holder, a consultation's licence) take the target's id or
//! natural key, so a spreadsheet can name a licence by its number.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use minewatch_domain::{
    Principal, RecordAccess, RecordId, RecordKind, RedactionOptions, public_payload,
};
use minewatch_formats::sheet::{Place, Repair, Sheet, SheetNote};
use minewatch_formats::table::{Cell, Header, Shape, fields, to_row, validate};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::{Author, Store, StoreError, StoredRecord};

/// One problem an import found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Option<Place>,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.place, &self.column) {
            (Some(p), Some(c)) => write!(f, "{p}, column {c}: {}", self.reason),
            (Some(p), None) => write!(f, "{p}: {}", self.reason),
            (None, Some(c)) => write!(f, "column {c}: {}", self.reason),
            (None, None) => f.write_str(&self.reason),
        }
    }
}

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub kind: RecordKind,
    pub rows: usize,
    pub created: usize,
    pub corrected: usize,
    pub unchanged: usize,
    /// Every problem found; when there is any, nothing was written.
    pub problems: Vec<Problem>,
    pub repairs: Vec<Repair>,
    /// What reading did to the file as a whole (a layout recognised, geometry repaired).
    pub notes: Vec<SheetNote>,
    pub dry_run: bool,
}

impl ImportReport {
    /// Whether the import's changes were committed.
    pub fn written(&self) -> bool {
        !self.dry_run && self.problems.is_empty()
    }
}

/// A row ready to write.
/// What an import will write for one table.
#[derive(Default)]
struct Plan {
    rows: Vec<Planned>,
    existing: HashMap<String, StoredRecord>,
}

struct Planned {
    place: Place,
    id: RecordId,
    payload: Value,
}

/// The natural key of a record, by which re-imports find it without an id.
fn natural_key(kind: RecordKind, payload: &Value) -> Option<String> {
    (kind.schema().natural_key?.of_payload)(payload)
}

/// What a reference may name a record of `kind` by, besides its id.
fn natural_key_of_text(kind: RecordKind, text: &str) -> Option<String> {
    (kind.schema().natural_key?.of_text?)(text)
}

fn key_name(kind: RecordKind) -> String {
    match kind.schema().natural_key {
        Some(k) if k.of_text.is_some() => format!(" or {}", k.named_by),
        _ => String::new(),
    }
}

/// The ids and natural keys of the current records of one kind.
#[derive(Default)]
struct Known {
    ids: BTreeSet<String>,
    keys: HashMap<String, String>,
}

impl Known {
    fn add(&mut self, kind: RecordKind, id: &str, payload: &Value) {
        self.ids.insert(id.to_owned());
        if let Some(k) = natural_key(kind, payload) {
            self.keys.insert(k, id.to_owned());
        }
    }
}

impl Store {
    /// Imports the rows of `sheet` as records of `kind`, all or nothing. `progress` is
    /// told (rows written, rows) as the writing goes.
    pub async fn import_sheet(
        &self,
        author: &Author,
        kind: RecordKind,
        sheet: Sheet,
        dry_run: bool,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<ImportReport, StoreError> {
        let mut reports = self
            .import_sheets(author, vec![(kind, sheet)], dry_run, progress)
            .await?;
        Ok(reports.pop().expect("one report for one sheet"))
    }

    /// Imports several tables in one transaction, in the order given (a cadastre's
    /// holders, then its licences): rows of a later table may name records of an
    /// earlier one. If any table has a problem, nothing of any is written.
    pub async fn import_sheets(
        &self,
        author: &Author,
        sheets: Vec<(RecordKind, Sheet)>,
        dry_run: bool,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<Vec<ImportReport>, StoreError> {
        let mut known: BTreeMap<RecordKind, Known> = BTreeMap::new();
        let mut reports = Vec::new();
        let mut plans = Vec::new();
        for (kind, sheet) in sheets {
            let (report, plan) = self.plan_import(kind, sheet, dry_run, &mut known).await?;
            reports.push(report);
            plans.push(plan);
        }
        if reports.iter().any(|r| !r.problems.is_empty()) {
            return Ok(reports);
        }
        let total: usize = plans.iter().map(|p| p.rows.len()).sum();
        let mut done = 0;
        let mut batch = self.begin().await?;
        for (plan, report) in plans.into_iter().zip(reports.iter_mut()) {
            let kind = report.kind;
            for row in plan.rows {
                let outcome = match plan.existing.get(row.id.as_str()) {
                    Some(old) if same_payload(&old.payload, &row.payload) => {
                        report.unchanged += 1;
                        Ok(())
                    }
                    Some(_) => batch
                        .correct(author, &row.id, row.payload, None)
                        .await
                        .map(|_| report.corrected += 1),
                    None => batch
                        .put(author, kind, Some(row.id), row.payload)
                        .await
                        .map(|_| report.created += 1),
                };
                match outcome {
                    Ok(()) => {}
                    // Refused before anything was written: the transaction goes on, so
                    // every such row is reported.
                    Err(StoreError::Invalid(errors)) => {
                        report.problems.extend(errors.into_iter().map(|e| Problem {
                            place: Some(row.place),
                            column: Some(minewatch_formats::table::column_of(kind, &e.field)),
                            reason: e.detail,
                        }))
                    }
                    Err(StoreError::Conflict(why)) => report.problems.push(Problem {
                        place: Some(row.place),
                        column: None,
                        reason: why,
                    }),
                    Err(other) => return Err(other),
                }
                done += 1;
                progress(done, total);
            }
        }
        if reports.iter().all(|r| r.problems.is_empty()) && !dry_run {
            batch.commit().await?;
        } else {
            // Dropping the batch rolls every change back. A dry run keeps its counts:
            // they are what the import would do.
            drop(batch);
            if reports.iter().any(|r| !r.problems.is_empty()) {
                for r in &mut reports {
                    (r.created, r.corrected, r.unchanged) = (0, 0, 0);
                }
            }
        }
        Ok(reports)
    }

    /// Checks every row of `sheet` against the records (and those planned by earlier
    /// tables of the same import, in `known`) and says what writing it would do.
    async fn plan_import(
        &self,
        kind: RecordKind,
        sheet: Sheet,
        dry_run: bool,
        known: &mut BTreeMap<RecordKind, Known>,
    ) -> Result<(ImportReport, Plan), StoreError> {
        let mut report = ImportReport {
            kind,
            rows: sheet.rows.len(),
            created: 0,
            corrected: 0,
            unchanged: 0,
            problems: Vec::new(),
            repairs: sheet.repairs,
            notes: sheet.notes,
            dry_run,
        };
        if kind == RecordKind::Media {
            // The user's input, not the server's set-up: reported like any other
            // problem with the file, and nothing is written.
            report.problems.push(Problem {
                place: sheet.header_place,
                column: None,
                reason: "media cannot be imported from a table: add files with `minewatch media add` or on a record's page, which hash and store them".into(),
            });
            return Ok((report, Plan::default()));
        }
        let header = match Header::read(kind, &sheet.header) {
            Ok(h) => h,
            Err(problems) => {
                report.problems = problems
                    .into_iter()
                    .map(|p| Problem {
                        place: sheet.header_place,
                        column: Some(p.column),
                        reason: p.reason,
                    })
                    .collect();
                return Ok((report, Plan::default()));
            }
        };
        // What exists: this kind's records, and those of every kind it refers to.
        let mut existing: HashMap<String, StoredRecord> = HashMap::new();
        let mut targets: Vec<RecordKind> = fields(kind)
            .into_iter()
            .filter_map(|f| match f.shape {
                Shape::Ref(k) => Some(k),
                _ => None,
            })
            .collect();
        targets.push(kind);
        targets.sort();
        targets.dedup();
        for target in targets {
            // A kind an earlier table of this import loaded keeps what it planned.
            let loaded = known.contains_key(&target);
            if loaded && target != kind {
                continue;
            }
            let records = self.all_of(target).await?;
            let slot = known.entry(target).or_default();
            for r in records {
                if !loaded {
                    slot.add(target, r.id.as_str(), &r.payload);
                }
                if target == kind {
                    existing.insert(r.id.as_str().to_owned(), r);
                }
            }
        }
        let ref_fields: Vec<(&'static str, RecordKind)> = fields(kind)
            .into_iter()
            .filter_map(|f| match f.shape {
                Shape::Ref(k) => Some((f.name, k)),
                _ => None,
            })
            .collect();
        // Rows of this file by id and natural key, to refuse a record given twice.
        let mut seen_ids: HashMap<String, (Place, Value)> = HashMap::new();
        let mut seen_keys: HashMap<String, (Place, Value)> = HashMap::new();
        // Rows that repeat an earlier row exactly (a cadastre file lists some licences
        // twice): left out, and said once.
        let mut repeated: Vec<(Place, Place)> = Vec::new();
        let mut planned = Vec::with_capacity(sheet.rows.len());
        for (place, cells) in sheet.rows {
            let mut problem = |column: Option<String>, reason: String| {
                report.problems.push(Problem {
                    place: Some(place),
                    column,
                    reason,
                })
            };
            // Every problem of the row is reported: its cells, its references and the
            // record's rules (except rules about a cell already reported).
            let (id, mut payload, cell_problems) = header.read_row(&cells);
            let mut reported: Vec<String> = Vec::new();
            let bad_cells = !cell_problems.is_empty();
            for p in cell_problems {
                reported.push(p.column.clone());
                problem(Some(p.column), p.reason);
            }
            // References by id or natural key.
            let mut bad_ref = false;
            for (field, target) in &ref_fields {
                let Some(Value::String(text)) = payload.get(*field).cloned() else {
                    continue;
                };
                let set = &known[target];
                if set.ids.contains(&text) {
                    continue;
                }
                match natural_key_of_text(*target, &text).and_then(|k| set.keys.get(&k)) {
                    Some(id) => {
                        payload[*field] = Value::String(id.clone());
                    }
                    None => {
                        bad_ref = true;
                        reported.push((*field).to_owned());
                        problem(
                            Some((*field).to_owned()),
                            format!(
                                "unknown {target} {text:?}: no {target} has this id{}",
                                key_name(*target)
                            ),
                        );
                    }
                }
            }
            if let Err(problems) = validate(kind, &payload) {
                for p in problems {
                    if !reported.contains(&p.column) {
                        problem(Some(p.column), p.reason);
                    }
                }
                continue;
            }
            let unknown = self.unknown_events(kind, &payload);
            if !unknown.is_empty() {
                for e in unknown {
                    problem(
                        Some(minewatch_formats::table::column_of(kind, &e.field)),
                        e.detail,
                    );
                }
                continue;
            }
            if bad_ref || bad_cells {
                continue;
            }
            let key = natural_key(kind, &payload);
            if let Some(k) = &key
                && let Some((first, first_payload)) = seen_keys.get(k)
            {
                if *first_payload == payload && id.is_none() {
                    repeated.push((place, *first));
                    continue;
                }
                // Two rows that say different things of one record: which is right is
                // for a person to decide, so the fields that differ are named.
                let differ: Vec<&str> = payload
                    .as_object()
                    .into_iter()
                    .flat_map(|o| o.iter())
                    .filter(|(f, v)| first_payload.get(f.as_str()) != Some(*v))
                    .map(|(f, _)| f.as_str())
                    .chain(
                        first_payload
                            .as_object()
                            .into_iter()
                            .flat_map(|o| o.keys())
                            .filter(|f| payload.get(f.as_str()).is_none())
                            .map(String::as_str),
                    )
                    .collect();
                let reason = if differ.is_empty() {
                    format!("the same {kind} as {first} ({k}): give each record once")
                } else {
                    format!(
                        "the same {kind} as {first} ({k}) with other values ({}): give each record once",
                        differ.join(", ")
                    )
                };
                problem(None, reason);
                continue;
            }
            if let Some(k) = &key {
                seen_keys.insert(k.clone(), (place, payload.clone()));
            }
            let own = &known[&kind];
            let id_given = id.is_some();
            let id = match id {
                Some(id) => id,
                None => match key.as_ref().and_then(|k| own.keys.get(k)) {
                    Some(existing) => existing.clone(),
                    None => content_id(kind, &payload),
                },
            };
            let Some(id) = RecordId::parse(&id) else {
                problem(
                    Some("id".into()),
                    format!("{id:?} is not a record id (1 to 64 letters, digits, - _ . :)"),
                );
                continue;
            };
            if let Some((first, first_payload)) = seen_ids.get(id.as_str()) {
                // A row without an id that repeats an earlier one exactly (its id is
                // made from its content) is the same repeat as one found by its key.
                if !id_given && *first_payload == payload {
                    repeated.push((place, *first));
                } else {
                    problem(
                        Some("id".into()),
                        format!("{id} is given twice: first at {first}"),
                    );
                }
                continue;
            }
            seen_ids.insert(id.as_str().to_owned(), (place, payload.clone()));
            // A row naming a record by id whose natural key another record has.
            if let Some(k) = &key
                && let Some(other) = own.keys.get(k)
                && other != id.as_str()
            {
                problem(
                    None,
                    format!("{k} is already the {kind} with id {other}, not {id}"),
                );
                continue;
            }
            // A file without some of the kind's columns leaves those fields as they are.
            if let Some(old) = existing.get(id.as_str()) {
                header.keep_absent(&old.payload, &mut payload);
                // A number spelled otherwise (`mv 21252` for `MV-00021252`) names the same
                // record: the spelling recorded, as issued, stays.
                if let Some(k) = kind.schema().natural_key
                    && let Some(old_value) = old.payload.get(k.field)
                    && let Some(new_value) = payload.get(k.field)
                    && old_value != new_value
                    && natural_key(kind, &old.payload) == key
                    && key.is_some()
                    && let Some(obj) = payload.as_object_mut()
                {
                    obj.insert(k.field.to_owned(), old_value.clone());
                }
                if let Err(problems) = validate(kind, &payload) {
                    for p in problems {
                        problem(
                            Some(p.column),
                            format!("{} (with the values already recorded)", p.reason),
                        );
                    }
                    continue;
                }
            }
            // Rows further down may refer to this one.
            known
                .get_mut(&kind)
                .expect("this kind is known")
                .add(kind, id.as_str(), &payload);
            planned.push(Planned { place, id, payload });
        }
        if !repeated.is_empty() {
            let rows: Vec<String> = repeated
                .iter()
                .map(|(row, first)| format!("{row} (as {first})"))
                .collect();
            report.notes.push(SheetNote {
                code: "duplicate-rows",
                detail: format!(
                    "{} rows repeat an earlier row exactly and were left out: {}",
                    repeated.len(),
                    rows.join(", ")
                ),
            });
        }
        Ok((
            report,
            Plan {
                rows: planned,
                existing,
            },
        ))
    }

    /// Every current record of `kind` as a header and rows, in id order (records that
    /// refer to another of their kind come after it, so the file imports as it is).
    /// Unless `restricted`, only public records with their public fields (exact places
    /// rounded) are in it, as an anonymous visitor sees them; with it, the export of each restricted field is
    /// recorded in the ledger as an access by `author`.
    pub async fn export_table(
        &self,
        author: &Author,
        kind: RecordKind,
        restricted: bool,
        via: &str,
    ) -> Result<(Vec<String>, Vec<Vec<Cell>>), StoreError> {
        let mut records = self.all_of(kind).await?;
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let records = parents_first(kind, records);
        let mut rows = Vec::with_capacity(records.len());
        let mut batch = None;
        for r in &records {
            let payload = if restricted {
                let fields: Vec<String> = kind
                    .restricted_fields()
                    .chain(kind.approximate_fields())
                    .filter(|f| r.payload.get(*f).is_some_and(|v| !v.is_null()))
                    .map(str::to_owned)
                    .collect();
                if !fields.is_empty() {
                    if batch.is_none() {
                        batch = Some(self.begin().await?);
                    }
                    let b = batch.as_mut().expect("begun above");
                    b.record_access(author, &r.id, "export", via, &fields)
                        .await?;
                }
                r.payload.clone()
            } else {
                // A file leaves the instance: it carries what the public may see, the
                // public records with their public fields (exact places rounded).
                if !RecordAccess::of(kind, &r.id, &r.payload).visible_to(&Principal::Anonymous) {
                    continue;
                }
                let mut shown = public_payload(kind, &r.payload, RedactionOptions::default());
                if let Some(obj) = shown.as_object_mut() {
                    obj.retain(|k, _| !k.ends_with("_approximate"));
                }
                shown
            };
            rows.push(to_row(kind, r.id.as_str(), &payload));
        }
        if let Some(b) = batch {
            b.commit().await?;
        }
        Ok((Header::of(kind).names(), rows))
    }
}

/// Orders records so that one referring to another of its kind (a company's parent)
/// comes after it; otherwise the order is kept.
fn parents_first(kind: RecordKind, records: Vec<StoredRecord>) -> Vec<StoredRecord> {
    let same_kind: Vec<&'static str> = fields(kind)
        .into_iter()
        .filter(|f| f.shape == Shape::Ref(kind))
        .map(|f| f.name)
        .collect();
    if same_kind.is_empty() {
        return records;
    }
    let ids: BTreeSet<String> = records.iter().map(|r| r.id.as_str().to_owned()).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(records.len());
    let mut left = records;
    while !left.is_empty() {
        let before = left.len();
        let (ready, wait): (Vec<_>, Vec<_>) = left.into_iter().partition(|r| {
            same_kind.iter().all(|f| {
                r.payload
                    .get(*f)
                    .and_then(Value::as_str)
                    .is_none_or(|t| placed.contains(t) || !ids.contains(t))
            })
        });
        if ready.is_empty() {
            // A cycle cannot be written in any order; keep the rest as it is.
            out.extend(wait);
            break;
        }
        placed.extend(ready.iter().map(|r| r.id.as_str().to_owned()));
        out.extend(ready);
        left = wait;
        debug_assert!(left.len() < before);
    }
    out
}

/// Whether two payloads are the same record content: as the ledger signs them, so
/// that `46` and `46.0` are one number.
fn same_payload(a: &Value, b: &Value) -> bool {
    use minewatch_formats::canonical_json::to_canonical_bytes;
    if a == b {
        return true;
    }
    // A MultiPolygon of one part is that Polygon: GIS files hold every area as a
    // MultiPolygon, so a round trip through one changes nothing.
    let (a, b) = (one_part_as_polygon(a), one_part_as_polygon(b));
    a == b || matches!((to_canonical_bytes(&a), to_canonical_bytes(&b)), (Ok(x), Ok(y)) if x == y)
}

/// The payload with each top-level MultiPolygon of one part written as a Polygon.
fn one_part_as_polygon(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(obj) = v.as_object_mut() {
        for field in obj.values_mut() {
            let one = field.get("type").and_then(Value::as_str) == Some("MultiPolygon")
                && field
                    .get("coordinates")
                    .and_then(Value::as_array)
                    .is_some_and(|parts| parts.len() == 1);
            if one {
                let rings = field["coordinates"][0].clone();
                *field = serde_json::json!({"type": "Polygon", "coordinates": rings});
            }
        }
    }
    v
}

/// An id made from a row's content, for kinds without a natural key: the same row
/// imported again finds its record.
fn content_id(kind: RecordKind, payload: &Value) -> String {
    let canonical = minewatch_formats::canonical_json::to_canonical_bytes(payload)
        .unwrap_or_else(|_| payload.to_string().into_bytes());
    let mut h = Sha256::new();
    h.update(kind.as_str().as_bytes());
    h.update([0]);
    h.update(&canonical);
    format!("{}-{}", kind.as_str(), &hex::encode(h.finalize())[..24])
}
