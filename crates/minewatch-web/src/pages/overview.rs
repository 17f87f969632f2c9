//! The national map: every licence the viewer may see, in squares of half a degree
//! coloured by the status most of its licences have, over the aimags' outlines. Kept
//! until the ledger moves: it reads every licence.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use minewatch_domain::geo;
use minewatch_domain::records::LicenceStatus;
use minewatch_domain::{Record, RecordKind};
use minewatch_report::svg::{OverviewCell, overview};
use minewatch_store::{FieldFilter, ListQuery};

use crate::AppState;
use crate::access::Viewer;
use axum::response::Response;

use crate::error::{OrPage, PageError};
use crate::i18n::Ui;

type PageResult = Result<Response, PageError>;

/// The squares' size in degrees (about 38 × 55 km in Mongolia).
const CELL: f64 = 0.5;

/// The national map page.
#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage<'a> {
    pub ui: &'a Ui,
    pub map: Option<String>,
    /// How many licences are drawn, and how many have no area recorded.
    pub drawn: String,
    pub without_area: Option<String>,
}

/// What the map is made of, kept per reach of viewer and language.
pub struct Made {
    map: Option<String>,
    drawn: usize,
    without_area: usize,
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, ui: Ui) -> PageResult {
    let filter = viewer.filter();
    let key = format!("{filter:?}|{}", ui.lang.code());
    let made = state
        .kept
        .national_map
        .get(
            &state,
            key,
            async || -> Result<_, minewatch_store::StoreError> {
                // Squares: counts by status, from the licences' areas kept for zone pages.
                let licences = crate::pages::hub::licence_areas(&state, &viewer, &ui).await?;
                let mut squares: BTreeMap<(i64, i64), BTreeMap<&'static str, usize>> =
                    BTreeMap::new();
                for l in &licences.items {
                    let (x, y) = l.centre;
                    let cell = ((x / CELL).floor() as i64, (y / CELL).floor() as i64);
                    *squares
                        .entry(cell)
                        .or_default()
                        .entry(l.status)
                        .or_insert(0) += 1;
                }
                let (drawn, without_area) = (licences.items.len(), licences.without_area);
                let cells: Vec<OverviewCell> = squares
                    .into_iter()
                    .map(|((cx, cy), counts)| {
                        let total: usize = counts.values().sum();
                        let (top, _) = counts
                            .iter()
                            .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
                            .expect("a square has a licence");
                        let parts: Vec<String> = LicenceStatus::ALL
                            .iter()
                            .filter_map(|(s, _)| {
                                counts
                                    .get(s)
                                    .map(|n| format!("{n} {}", ui.t(&format!("status-{s}"))))
                            })
                            .collect();
                        OverviewCell {
                            at: (cx as f64 * CELL, cy as f64 * CELL),
                            size: CELL,
                            class: format!("overview-{top}"),
                            title: format!(
                                "{}: {}",
                                ui.t_count("overview-square", total as i64),
                                parts.join(", ")
                            ),
                        }
                    })
                    .collect();
                // The aimags, thinned: a national map needs no more.
                let mut aimags = ListQuery::all(RecordKind::Zone).visible_to(&filter);
                aimags.limit = 100;
                aimags.fields = vec![FieldFilter::one_of("zone_type", vec!["aimag".into()])];
                let outlines: Vec<Vec<(f64, f64)>> = state
                    .store
                    .list(&aimags)
                    .await?
                    .into_iter()
                    .filter_map(|r| match r.typed() {
                        Ok(Record::Zone(z)) => Some(z.boundary),
                        _ => None,
                    })
                    .flatten()
                    .filter_map(|p| p.rings.into_iter().next())
                    .map(|ring| {
                        geo::thin(&ring, 120)
                            .into_iter()
                            .map(|[x, y]| (x, y))
                            .collect()
                    })
                    .collect();
                let legend: Vec<(String, String)> = LicenceStatus::ALL
                    .iter()
                    .filter(|(s, _)| cells.iter().any(|c| c.class == format!("overview-{s}")))
                    .map(|(s, _)| (format!("overview-{s}"), ui.t(&format!("status-{s}"))))
                    .collect();
                let map = overview(
                    &outlines,
                    &cells,
                    &ui.t("overview-title"),
                    &crate::pages::hub::map_text(&ui, false),
                    &legend,
                );
                Ok(Arc::new(Made {
                    map,
                    drawn,
                    without_area,
                }))
            },
        )
        .await
        .page(&ui)?;
    let page = OverviewPage {
        ui: &ui,
        map: made.map.clone(),
        drawn: ui.t_count("overview-drawn", made.drawn as i64),
        without_area: (made.without_area > 0)
            .then(|| ui.t_count("overview-without-area", made.without_area as i64)),
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}
