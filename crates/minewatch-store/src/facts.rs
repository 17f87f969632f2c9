//! The engine's facts from the records: licences (with the authorities over each), the
//! events of case records (consultations, disclosures, inspections, violations,
//! decisions, agreements, complaints), and a zone check for every licence whose area
//! meets a recorded zone (a water-protection zone, a headwater, forest-fund land).
//! Measurements come with the record kind that carries them.
//!
//! A licence clear of every zone recorded is not "checked clear": the zones on record
//! may not be all there are, so the engine keeps such a licence unverified.

use jiff::civil::Date;
use minewatch_domain::engine::{Facts, LicenceFact};
use minewatch_domain::records::{ADMIN_ZONE_TYPES, Zone};
use minewatch_domain::spatial::{self, ScreenZone};
use minewatch_domain::{Pack, Record, RecordKind};

use crate::{FieldFilter, ListQuery, Store, StoreError, StoredRecord};

/// Licences read at once when the facts are made.
const LICENCE_PAGE: i64 = 1_000;

impl Store {
    /// Every current record the engine reads, as typed facts.
    pub async fn facts(&self, pack: &Pack) -> Result<Facts, StoreError> {
        let mut facts = Facts::default();
        let authorities: Vec<_> = self
            .all_of(RecordKind::Authority)
            .await?
            .into_iter()
            .filter_map(|r| match r.typed() {
                Ok(Record::Authority(a)) => Some((r.id, a)),
                _ => None,
            })
            .collect();
        let zones = self.zones_not_admin(pack).await?;
        // The zone types on record: a spatial duty with none is not evaluated.
        let mut layers: Vec<String> = zones.iter().map(|(_, z, _)| z.zone_type.clone()).collect();
        layers.sort();
        layers.dedup();
        facts.zone_layers = layers;
        let screened: Vec<ScreenZone> = zones
            .iter()
            .map(|(r, z, recorded)| ScreenZone::new(r.id.as_str(), z, *recorded))
            .collect();
        // Licences a page at a time (by a keyset cursor): their shapes are most of
        // what is read, and only their facts are kept.
        let mut after = None;
        loop {
            let mut q = ListQuery::all(RecordKind::Licence).everything();
            q.limit = LICENCE_PAGE;
            q.after = after.take();
            let page = self.list(&q).await?;
            let done = (page.len() as i64) < LICENCE_PAGE;
            let last = page.last().map(|r| (r.label.clone(), r.id.to_string()));
            for r in page {
                let Ok(Record::Licence(l)) = r.typed() else {
                    continue;
                };
                if !l.area.is_empty() {
                    facts
                        .zones
                        .extend(spatial::screen(r.id.as_str(), &l.area, &screened));
                }
                facts.licences.push(LicenceFact {
                    id: r.id.as_str().into(),
                    number: Some(l.number.to_string()),
                    licence_type: l.licence_type().as_str().to_owned(),
                    holder: Some(l.holder_id.as_str().into()),
                    granted: l.granted,
                    expires: l.expires,
                    history: l
                        .status_history
                        .iter()
                        .map(|c| minewatch_domain::engine::LicenceChange {
                            event: c.status.event().to_owned(),
                            date: c.date,
                        })
                        .collect(),
                    authorities: spatial::governing(
                        authorities.iter().map(|(id, a)| (id.as_str(), a)),
                        &l.aimag,
                        &l.soum,
                    ),
                });
            }
            if done {
                break;
            }
            after = last;
        }
        // Requests: their sending (to the addressee), extensions and answer.
        for r in self.all_of(RecordKind::Request).await? {
            if let Ok(Record::Request(q)) = r.typed() {
                facts.events.extend(minewatch_domain::requests::events(
                    &r.id,
                    q.request_type,
                    q.channel,
                    &q.authority_id,
                    &q.steps,
                ));
                // What an answer says about the duty it asked about.
                facts
                    .events
                    .extend(minewatch_domain::requests::finding_event(
                        pack,
                        &r.id,
                        q.basis_duty.as_deref(),
                        q.licence_id.as_ref(),
                        &q.steps,
                    ));
            }
        }
        for kind in RecordKind::DATED {
            for r in self.all_of(kind).await? {
                if let Ok(Record::Dated(c)) = r.typed() {
                    facts.events.extend(c.events(&r.id));
                }
            }
        }
        Ok(facts)
    }

    /// The zones a licence may have to stay out of (not soums or aimags), each with the
    /// day it was recorded in the jurisdiction's time.
    async fn zones_not_admin(
        &self,
        pack: &Pack,
    ) -> Result<Vec<(StoredRecord, Zone, Date)>, StoreError> {
        let filter = FieldFilter {
            field: "zone_type",
            values: ADMIN_ZONE_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            negate: true,
        };
        let mut out = Vec::new();
        for r in self.all_matching(RecordKind::Zone, Some(filter)).await? {
            if let Ok(Record::Zone(z)) = r.typed() {
                let recorded = jiff::Timestamp::from_millisecond(r.created_at_ms)
                    .map(|t| t.to_zoned_datetime(pack.time_zone()).date())
                    .unwrap_or_default();
                out.push((r, z, recorded));
            }
        }
        Ok(out)
    }

    /// Every current record of a kind, page by page.
    pub async fn all_of(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        self.all_matching(kind, None).await
    }

    async fn all_matching(
        &self,
        kind: RecordKind,
        field: Option<FieldFilter>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        const PAGE: i64 = 10_000;
        let mut out = Vec::new();
        loop {
            let mut q = ListQuery::all(kind).everything();
            q.fields = field.clone().into_iter().collect();
            q.limit = PAGE;
            q.offset = out.len() as i64;
            let page = self.list(&q).await?;
            let done = (page.len() as i64) < PAGE;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }
}
