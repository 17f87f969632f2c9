//! The engine's facts from the records: licences now; events, measurements and zone
//! checks as the record kinds that carry them arrive.

use minewatch_domain::engine::{Facts, LicenceFact};
use minewatch_domain::{Record, RecordKind};

use crate::{ListQuery, Store, StoreError};

impl Store {
    /// Every current record the engine reads, as typed facts.
    pub async fn facts(&self) -> Result<Facts, StoreError> {
        let mut facts = Facts::default();
        let licences = self
            .list(&ListQuery::all(RecordKind::Licence).everything())
            .await?;
        for r in licences {
            let Ok(Record::Licence(l)) = r.typed() else {
                continue;
            };
            facts.licences.push(LicenceFact {
                id: r.id.as_str().into(),
                number: Some(l.number.to_string()),
                licence_type: l.licence_type().as_str().to_owned(),
                holder: Some(l.holder_id.as_str().into()),
                granted: l.granted,
                expires: l.expires,
                authorities: Default::default(),
            });
        }
        Ok(facts)
    }
}
