//! The engine's facts from the records: licences (with the authorities over each) and
//! the events of case records (consultations, disclosures, inspections, violations,
//! decisions, agreements, complaints). Measurements and zone checks come with the
//! record kinds that carry them.

use std::collections::BTreeMap;

use minewatch_domain::engine::{Facts, LicenceFact};
use minewatch_domain::{Record, RecordKind};

use crate::{ListQuery, Store, StoreError, StoredRecord};

impl Store {
    /// Every current record the engine reads, as typed facts.
    pub async fn facts(&self) -> Result<Facts, StoreError> {
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
        let licences = self.all_of(RecordKind::Licence).await?;
        for r in licences {
            let Ok(Record::Licence(l)) = r.typed() else {
                continue;
            };
            // For each authority type, the authority that governs the licence's place
            // most closely (a soum body over an aimag one over a national one); two
            // equally close ones of a type leave the type unassigned.
            let mut best: BTreeMap<&str, (u8, Vec<&str>)> = BTreeMap::new();
            for (id, a) in &authorities {
                let Some(level) = a.governs(&l.aimag, &l.soum) else {
                    continue;
                };
                let slot = best
                    .entry(a.authority_type.as_str())
                    .or_insert((level, Vec::new()));
                if level > slot.0 {
                    *slot = (level, Vec::new());
                }
                if level == slot.0 {
                    slot.1.push(id.as_str());
                }
            }
            facts.licences.push(LicenceFact {
                id: r.id.as_str().into(),
                number: Some(l.number.to_string()),
                licence_type: l.licence_type().as_str().to_owned(),
                holder: Some(l.holder_id.as_str().into()),
                granted: l.granted,
                expires: l.expires,
                authorities: best
                    .into_iter()
                    .filter_map(|(t, (_, ids))| match ids[..] {
                        [one] => Some((t.to_owned(), one.into())),
                        _ => None,
                    })
                    .collect(),
            });
        }
        for kind in RecordKind::CASE {
            for r in self.all_of(kind).await? {
                if let Ok(Record::Case(c)) = r.typed() {
                    facts.events.extend(c.events(&r.id));
                }
            }
        }
        Ok(facts)
    }

    /// Every current record of a kind, page by page.
    pub(crate) async fn all_of(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        const PAGE: i64 = 10_000;
        let mut out = Vec::new();
        loop {
            let mut q = ListQuery::all(kind).everything();
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
