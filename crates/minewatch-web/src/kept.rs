//! What pages show that is slow to make and changes only with a write: the duty
//! engine's evaluation, counts (a list's "N records", the dashboard's cards), the
//! licences of a soum for a licence's map, a company's section, the soums and aimags
//! as areas. Each is kept until the ledger moves (any process's write, see
//! `Store::ledger_marker`); one request makes a missing one while the others wait, so a
//! burst of requests for a large page holds one copy in memory, not one per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use minewatch_domain::{RecordFilter, RecordKind};
use minewatch_store::{ListQuery, StoreError};

use crate::AppState;

/// At most this many values are kept of each sort; past it the cache starts again.
const MAX_KEPT: usize = 2_000;

type Marker = (i64, i64);

/// Values by key, each valid at one point of the ledger.
pub struct Kept<V> {
    values: Mutex<HashMap<String, (Marker, V)>>,
    making: tokio::sync::Mutex<()>,
    /// Values kept at most (large values: fewer).
    max: usize,
}

impl<V> Default for Kept<V> {
    fn default() -> Self {
        Kept::with_max(MAX_KEPT)
    }
}

impl<V> Kept<V> {
    pub fn with_max(max: usize) -> Kept<V> {
        Kept {
            values: Mutex::new(HashMap::new()),
            making: tokio::sync::Mutex::new(()),
            max,
        }
    }
}

impl<V: Clone> Kept<V> {
    fn fresh(&self, key: &str, marker: Marker) -> Option<V> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values
            .get(key)
            .filter(|(m, _)| *m == marker)
            .map(|(_, v)| v.clone())
    }

    /// The value of `key` as of now: kept, or made by `make` (by one request at a time).
    pub async fn get<E>(
        &self,
        state: &AppState,
        key: String,
        make: impl AsyncFnOnce() -> Result<V, E>,
    ) -> Result<V, E>
    where
        E: From<StoreError>,
    {
        let marker = state.store.ledger_marker().await?;
        if let Some(v) = self.fresh(&key, marker) {
            return Ok(v);
        }
        let _making = self.making.lock().await;
        // Read before the records: a write meanwhile moves it and the value is made
        // again next time.
        let marker = state.store.ledger_marker().await?;
        if let Some(v) = self.fresh(&key, marker) {
            return Ok(v);
        }
        let value = make().await?;
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        if values.len() >= self.max {
            values.clear();
        }
        values.insert(key, (marker, value.clone()));
        Ok(value)
    }
}

/// A licence's map (its SVG and caption) and the soums and aimags it lies in.
pub(crate) type LicenceMap = (Option<String>, String, Vec<crate::pages::hub::LiesIn>);

pub struct PageCache {
    /// The evaluation of today (one kept: a new day makes a new one).
    pub(crate) evaluation: Kept<Arc<crate::pages::gaps::Evaluated>>,
    counts: Kept<i64>,
    per_kind: Kept<Vec<(RecordKind, i64)>>,
    pub(crate) soum_licences: Kept<Arc<Vec<minewatch_report::svg::MapShape>>>,
    pub(crate) company: Kept<Arc<crate::pages::company::CompanySection>>,
    /// A licence's map: its SVG and caption.
    pub(crate) licence_map: Kept<Arc<LicenceMap>>,
    /// The gaps on a licence's, company's or authority's page.
    pub(crate) record_gaps: Kept<Arc<crate::pages::gaps::RecordGaps>>,
    /// The first records that refer to a record, for its page.
    pub(crate) linked: Kept<Arc<Vec<(String, minewatch_store::StoredRecord)>>>,
    /// The soums and aimags on the equal-area plane, for licence pages to say where a
    /// licence lies and how much of it.
    pub(crate) admin_areas: Kept<Arc<crate::pages::hub::AdminAreas>>,
    /// The values a list filter offers (a licence list's soums, minerals), with counts.
    pub(crate) choices: Kept<Arc<Vec<(String, i64)>>>,
    /// The national map of licences.
    pub(crate) national_map: Kept<Arc<crate::pages::overview::Made>>,
    /// Every licence's area with an R-tree, for zone and soum pages.
    pub(crate) licence_areas: Kept<Arc<crate::pages::hub::LicenceAreas>>,
}

impl Default for PageCache {
    fn default() -> Self {
        // Bounded by what a crawl of every page could fill: about 60 KB a map, 200
        // records a list, a few hundred records a company.
        PageCache {
            evaluation: Kept::with_max(1),
            counts: Kept::default(),
            per_kind: Kept::default(),
            soum_licences: Kept::with_max(32),
            company: Kept::with_max(64),
            licence_map: Kept::with_max(256),
            linked: Kept::with_max(128),
            record_gaps: Kept::with_max(512),
            // One per reach of viewer (public, coalition…): about 10 MB each.
            admin_areas: Kept::with_max(4),
            choices: Kept::with_max(64),
            national_map: Kept::with_max(8),
            licence_areas: Kept::with_max(4),
        }
    }
}

/// How many records `q` finds (its cursor aside).
pub async fn count(state: &AppState, q: &ListQuery) -> Result<i64, StoreError> {
    let mut key_query = q.clone();
    key_query.after = None;
    state
        .kept
        .counts
        .get(state, format!("{key_query:?}"), async || {
            state.store.count(q).await
        })
        .await
}

/// How many current records of each kind `filter` lets one see.
pub async fn per_kind(
    state: &AppState,
    filter: &RecordFilter,
) -> Result<Vec<(RecordKind, i64)>, StoreError> {
    state
        .kept
        .per_kind
        .get(state, format!("{filter:?}"), async || {
            state.store.counts(Some(filter)).await
        })
        .await
}
