//! The licence page as the hub: a map of the licence's area in its soum (the soum's
//! boundary when a `soum` zone of that name is recorded), among the other licences,
//! the protection zones and the communities there, and a timeline of every record
//! linked to it. A zone's page draws the zone with the licences that meet it.
//!
//! Only what the viewer may see is drawn: other licences by their visible area,
//! communities by their centre (a public soum or bagh centre, never a herder camp).
//! Field reports are not drawn: their places are what reporters need kept vague.

use minewatch_domain::geo::{self, Albers, BBox, PlaneArea, RTree, make_valid};
use minewatch_domain::records::{ADMIN_ZONE_TYPES, Polygon};
use minewatch_domain::{Localized, Record, RecordKind};
use minewatch_store::{FieldFilter, ListQuery, StoredRecord};
use serde_json::Value;

use minewatch_report::svg::{Layer, MapDot, MapShape, MapText, map};

use crate::AppState;
use crate::access::Viewer;
use crate::i18n::Ui;
use crate::views::{display_name, record_href};

/// One dated line of a licence's timeline.
pub struct TimelineRow {
    pub date: String,
    pub label: String,
    pub name: String,
    pub href: Option<String>,
}

/// A map's words in the reader's language: on a zone's page the ground is the zone.
pub(crate) fn map_text(ui: &Ui, zone_page: bool) -> MapText {
    MapText {
        north: ui.t("map-north"),
        km: ui.t("map-km"),
        legend: vec![
            (Layer::Main, ui.t("map-legend-licence")),
            (Layer::Other, ui.t("map-legend-other")),
            (
                Layer::Ground,
                ui.t(if zone_page {
                    "map-legend-this-zone"
                } else {
                    "map-legend-soum"
                }),
            ),
            (Layer::Zone, ui.t("map-legend-zone")),
        ],
        dots: Some(ui.t("map-legend-community")),
    }
}

/// A soum or aimag a licence lies in, and how much of the licence.
#[derive(Debug, Clone)]
pub struct LiesIn {
    pub title: String,
    pub href: Option<String>,
    /// "49.28 ha, 100% of the licence".
    pub area: String,
}

/// The soums and aimags this viewer may see, on the equal-area plane.
pub struct AdminAreas {
    areas: Vec<(StoredRecord, minewatch_domain::records::Zone, PlaneArea)>,
    tree: RTree,
}

/// The soums and aimags, kept until the ledger moves (per reach of viewer).
async fn admin_areas(
    state: &AppState,
    viewer: &Viewer,
) -> Result<std::sync::Arc<AdminAreas>, minewatch_store::StoreError> {
    let key = format!("{:?}", viewer.filter());
    state
        .kept
        .admin_areas
        .get(
            state,
            key,
            async || -> Result<_, minewatch_store::StoreError> {
                let projection = Albers::mongolia();
                let areas: Vec<_> = zones(state, viewer, &["soum", "aimag"], false, None)
                    .await?
                    .into_iter()
                    .filter_map(|(r, z)| {
                        let valid: Vec<Polygon> =
                            z.boundary.iter().flat_map(|p| make_valid(p).0).collect();
                        let plane = PlaneArea::new(&valid, &projection)?;
                        Some((r, z, plane))
                    })
                    .collect();
                let tree = RTree::new(areas.iter().map(|(_, _, p)| Some(p.bbox())));
                Ok(std::sync::Arc::new(AdminAreas { areas, tree }))
            },
        )
        .await
}

/// "49.28 ha, 100% of the licence".
fn overlap_text(ui: &Ui, overlap_m2: f64, licence_m2: f64) -> String {
    let share = if licence_m2 > 0.0 {
        (overlap_m2 / licence_m2 * 100.0).min(100.0)
    } else {
        0.0
    };
    ui.t_args(
        "hub-overlap",
        &[
            (
                "ha",
                crate::views::format_amount((overlap_m2 / 100.0).round() / 100.0),
            ),
            ("share", format!("{}", (share * 10.0).round() / 10.0)),
        ],
    )
}

/// The soums and aimags (soums first) a licence's area lies in, largest share first,
/// and the soum holding most of it.
async fn lies_in(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    area: &[Polygon],
) -> Result<(Vec<LiesIn>, Option<Vec<Polygon>>), minewatch_store::StoreError> {
    let valid: Vec<Polygon> = area.iter().flat_map(|p| make_valid(p).0).collect();
    let Some(own) = PlaneArea::new(&valid, &Albers::mongolia()) else {
        return Ok((Vec::new(), None));
    };
    let admin = admin_areas(state, viewer).await?;
    let mut found: Vec<(bool, f64, usize)> = admin
        .tree
        .query(&own.bbox())
        .into_iter()
        .filter_map(|i| {
            let (_, z, plane) = &admin.areas[i];
            let overlap = own.overlap(plane);
            (overlap > 0.0).then_some((z.zone_type != "soum", -overlap, i))
        })
        .collect();
    found.sort_by(|a, b| {
        (a.0, a.1)
            .partial_cmp(&(b.0, b.1))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let main_soum = found
        .iter()
        .find(|(not_soum, _, _)| !not_soum)
        .map(|(_, _, i)| admin.areas[*i].1.boundary.clone());
    let rows = found
        .into_iter()
        .map(|(_, overlap, i)| {
            let (r, z, _) = &admin.areas[i];
            LiesIn {
                title: zone_title(ui, r, &z.zone_type),
                href: record_href(r.kind, &r.id),
                area: overlap_text(ui, -overlap, own.area()),
            }
        })
        .collect();
    Ok((rows, main_soum))
}

/// The map and the timeline of a licence page.
pub struct Hub {
    /// SVG markup, built here from numbers and escaped text only.
    pub map: Option<String>,
    pub map_caption: String,
    /// The licence's status changes, oldest first: its recorded history, with the
    /// decisions about it that changed its status.
    pub status_history: Vec<TimelineRow>,
    pub timeline: Vec<TimelineRow>,
    /// The current agreements on the licence (filled in by the page).
    pub agreements: Vec<crate::pages::tracker::AgreementBlock>,
    /// The soums and aimags its area lies in, with how much of it.
    pub lies_in: Vec<LiesIn>,
    /// The area drawn, in hectares on the equal-area plane, and whether it differs from
    /// the area recorded by more than 5%.
    pub drawn_area: Option<(String, bool)>,
    /// The boundary's corners, as the cadastre lists them: (part, point, latitude,
    /// longitude), each in degrees and in degrees, minutes and seconds.
    pub corners: Vec<[String; 4]>,
}

/// At most this many corners are listed.
const MAX_CORNERS: usize = 1_000;

/// `43.2075` as `43.207500° (43°12′27.00″)`.
fn degrees(x: f64) -> String {
    let a = x.abs();
    let d = a.floor();
    let m = ((a - d) * 60.0).floor();
    let sec = ((a - d) * 60.0 - m) * 60.0;
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{x:.6}° ({sign}{d}°{m:02}′{sec:05.2}″)")
}

/// The corners of the area this viewer sees (each ring without its closing repeat).
fn corners(payload: &Value) -> Vec<[String; 4]> {
    let Some(area) = payload.get("area") else {
        return Vec::new();
    };
    let polygons: Vec<&Value> = match area.get("type").and_then(Value::as_str) {
        Some("MultiPolygon") => area["coordinates"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Some("Polygon") => vec![&area["coordinates"]],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (part, rings) in polygons.iter().enumerate() {
        let mut n = 0;
        for ring in rings.as_array().into_iter().flatten() {
            let points = ring.as_array().map(Vec::as_slice).unwrap_or_default();
            let open = points.len().saturating_sub(1);
            for p in &points[..open] {
                let (Some(lon), Some(lat)) = (
                    p.get(0).and_then(Value::as_f64),
                    p.get(1).and_then(Value::as_f64),
                ) else {
                    continue;
                };
                n += 1;
                out.push([
                    (part + 1).to_string(),
                    n.to_string(),
                    degrees(lat),
                    degrees(lon),
                ]);
                if out.len() >= MAX_CORNERS {
                    return out;
                }
            }
        }
    }
    out
}

/// "Area drawn: 49.28 ha", and whether it differs from the recorded `area_ha` by more
/// than 5% (said with both figures).
fn drawn_area(ui: &Ui, licence: &StoredRecord, payload: &Value) -> Option<(String, bool)> {
    // Only an area this viewer may see is measured.
    payload.get("area")?;
    let Ok(Record::Licence(l)) = licence.typed() else {
        return None;
    };
    let valid: Vec<Polygon> = l.area.iter().flat_map(|p| make_valid(p).0).collect();
    let drawn = PlaneArea::new(&valid, &Albers::mongolia())?.area() / 10_000.0;
    let text = ui.t_args(
        "hub-drawn-area",
        &[(
            "ha",
            crate::views::format_amount((drawn * 100.0).round() / 100.0),
        )],
    );
    let recorded = payload
        .get("area_ha")
        .and_then(Value::as_f64)
        .filter(|r| *r > 0.0);
    Some(match recorded {
        Some(r) if ((drawn - r) / r).abs() > 0.05 => (
            format!(
                "{text} {}",
                ui.t_args(
                    "hub-area-differs",
                    &[
                        ("recorded", crate::views::format_amount(r)),
                        (
                            "percent",
                            format!("{:+}", ((drawn - r) / r * 1000.0).round() / 10.0),
                        ),
                    ],
                )
            ),
            true,
        ),
        _ => (text, false),
    })
}

/// The outer rings of a GeoJSON Polygon or MultiPolygon (one per part) as (lon, lat)
/// pairs.
fn outer_rings(area: &Value) -> Vec<Vec<(f64, f64)>> {
    let ring = |r: &Value| -> Option<Vec<(f64, f64)>> {
        r.as_array()?
            .iter()
            .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect()
    };
    let Some(coordinates) = area.get("coordinates").and_then(Value::as_array) else {
        return Vec::new();
    };
    match area.get("type").and_then(Value::as_str) {
        // Each part's outline.
        Some("MultiPolygon") => coordinates
            .iter()
            .filter_map(|polygon| ring(polygon.get(0)?))
            .collect(),
        _ => coordinates.first().and_then(ring).into_iter().collect(),
    }
}

/// A zone's outlines, thinned for drawing (a soum outline has thousands of points).
fn outlines(boundary: &[Polygon]) -> Vec<Vec<(f64, f64)>> {
    boundary
        .iter()
        .filter_map(|p| p.rings.first())
        .map(|r| geo::thin(r, 400).into_iter().map(|[x, y]| (x, y)).collect())
        .collect()
}

fn zone_title(ui: &Ui, r: &StoredRecord, zone_type: &str) -> String {
    format!(
        "{} ({})",
        display_name(r, ui.lang),
        crate::views::zone_type_label(ui, zone_type)
    )
}

fn localized(v: Option<&Value>) -> Localized {
    v.and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The date a linked record happened on, if it has one.
fn record_date(r: &StoredRecord) -> Option<String> {
    ["date", "observed_on"]
        .iter()
        .find_map(|f| r.payload.get(*f).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The hub of the licence `licence` (its payload as this viewer sees it).
/// Rows a licence's timeline shows at most (the newest).
const MAX_TIMELINE: usize = 200;

/// Other licences a licence's map draws at most.
const MAX_NEIGHBOURS: usize = 200;

pub async fn licence_hub(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    licence: &StoredRecord,
    payload: &Value,
    linked: &[(String, StoredRecord)],
) -> Result<Hub, minewatch_store::StoreError> {
    let aimag = localized(payload.get("aimag"));
    let soum = localized(payload.get("soum"));
    let filter = viewer.filter();
    // The map (the soum, its zones and licences) is the page's slowest part and changes
    // only with a write: kept until the ledger moves, per licence version, viewer's
    // reach and language.
    let key = format!(
        "{}|{}|{:?}|{}",
        licence.id,
        licence.head,
        filter,
        ui.lang.code()
    );
    let made = state
        .kept
        .licence_map
        .get(
            state,
            key,
            async || -> Result<_, minewatch_store::StoreError> {
                let mut shapes = Vec::new();
                for ring in payload.get("area").map(outer_rings).unwrap_or_default() {
                    shapes.push(MapShape {
                        ring,
                        title: display_name(licence, ui.lang),
                        href: None,
                        layer: Layer::Main,
                    });
                }
                let typed_area = match licence.typed() {
                    Ok(Record::Licence(l)) => l.area,
                    _ => Vec::new(),
                };
                // Where the area lies, by its shape: the soums and aimags it overlaps,
                // whatever the record's soum name says.
                let (lies_in, main_soum) = lies_in(state, viewer, ui, &typed_area).await?;
                let around = soum_and_zones(state, viewer, ui, &aimag, &soum, &shapes).await?;
                if !around.iter().any(|s| s.layer == Layer::Ground)
                    && let Some(boundary) = main_soum
                {
                    for ring in outlines(&boundary) {
                        shapes.push(MapShape {
                            ring,
                            title: lies_in.first().map(|l| l.title.clone()).unwrap_or_default(),
                            href: lies_in.first().and_then(|l| l.href.clone()),
                            layer: Layer::Ground,
                        });
                    }
                }
                shapes.extend(around);
                // The soum's other licences, found in the database by the soum's name (not by
                // reading every licence of the country), and drawn up to a number a phone shows.
                let mut others = ListQuery::all(RecordKind::Licence).visible_to(&filter);
                others.limit = 10_000;
                // Both languages' names as recorded, and as typed with other spaces around
                // them; `same_as` below then decides as the rest of the app does.
                let names = |name: &Option<String>| -> Vec<String> {
                    name.iter()
                        .filter(|n| !n.trim().is_empty())
                        .flat_map(|n| [n.clone(), n.trim().to_owned()])
                        .collect()
                };
                let searches: Vec<FieldFilter> =
                    [("soum.mn", names(&soum.mn)), ("soum.en", names(&soum.en))]
                        .into_iter()
                        .filter(|(_, values)| !values.is_empty())
                        .map(|(field, values)| FieldFilter::one_of(field, values))
                        .collect();
                let centre = shapes.first().and_then(|s| s.ring.first().copied());
                // The soum's licences as this viewer sees them, kept until the ledger moves: every
                // licence page of the soum draws them.
                let key = format!("{:?}|{:?}|{:?}|{}", soum, aimag, filter, ui.lang.code());
                let all = state
                    .kept
                    .soum_licences
                    .get(
                        state,
                        key,
                        async || -> Result<_, minewatch_store::StoreError> {
                            let mut found = Vec::new();
                            let mut candidates = Vec::new();
                            let mut seen = std::collections::HashSet::new();
                            for search in &searches {
                                let mut q = others.clone();
                                q.fields = vec![search.clone()];
                                for r in state.store.list(&q).await? {
                                    if seen.insert(r.id.clone()) {
                                        candidates.push(r);
                                    }
                                }
                            }
                            for other in candidates {
                                let access = minewatch_domain::access::RecordAccess::of(
                                    other.kind,
                                    &other.id,
                                    &other.payload,
                                );
                                let view = viewer.fields(&other, &access).payload;
                                let same_soum = localized(view.get("soum")).same_as(&soum)
                                    && localized(view.get("aimag")).same_as(&aimag);
                                if !same_soum {
                                    continue;
                                }
                                for ring in view.get("area").map(outer_rings).unwrap_or_default() {
                                    found.push(MapShape {
                                        ring,
                                        title: display_name(&other, ui.lang),
                                        href: record_href(other.kind, &other.id),
                                        layer: Layer::Other,
                                    });
                                }
                            }
                            Ok(std::sync::Arc::new(found))
                        },
                    )
                    .await?;
                let own = record_href(licence.kind, &licence.id);
                let mut neighbours: Vec<MapShape> =
                    all.iter().filter(|s| s.href != own).cloned().collect();
                // The nearest ones, when the soum has more than the map can show.
                if let Some((x, y)) = centre {
                    let distance = |s: &MapShape| {
                        s.ring
                            .first()
                            .map_or(f64::MAX, |(sx, sy)| (sx - x).powi(2) + (sy - y).powi(2))
                    };
                    neighbours.sort_by(|a, b| distance(a).total_cmp(&distance(b)));
                }
                neighbours.truncate(MAX_NEIGHBOURS);
                shapes.extend(neighbours);
                let mut dots = Vec::new();
                let mut communities = ListQuery::all(RecordKind::Community).visible_to(&filter);
                communities.limit = 10_000;
                for c in state.store.list(&communities).await? {
                    let access =
                        minewatch_domain::access::RecordAccess::of(c.kind, &c.id, &c.payload);
                    let view = viewer.fields(&c, &access).payload;
                    if !localized(view.get("soum")).same_as(&soum) {
                        continue;
                    }
                    let centre = view
                        .get("centre")
                        .and_then(|p| Some((p.get("lon")?.as_f64()?, p.get("lat")?.as_f64()?)));
                    if let Some(at) = centre {
                        dots.push(MapDot {
                            at,
                            title: display_name(&c, ui.lang),
                        });
                    }
                }
                let caption = format!(
                    "{} {} ({})",
                    ui.t("hub-map-caption"),
                    ui.pick(&soum),
                    ui.pick(&aimag)
                );
                let map = if shapes.iter().any(|s| s.layer == Layer::Main) {
                    map(&shapes, &dots, &caption, &map_text(ui, false))
                } else {
                    None
                };
                Ok(std::sync::Arc::new((map, caption, lies_in)))
            },
        )
        .await?;
    let (map, caption, lies_in) = (made.0.clone(), made.1.clone(), made.2.clone());
    // The timeline: the licence's own dates and every linked record with a date.
    let mut timeline: Vec<TimelineRow> = Vec::new();
    for (field, key) in [("granted", "hub-granted"), ("expires", "hub-expires")] {
        if let Some(d) = payload.get(field).and_then(Value::as_str) {
            timeline.push(TimelineRow {
                date: d.to_owned(),
                label: ui.t(key),
                name: display_name(licence, ui.lang),
                href: None,
            });
        }
    }
    for (_, r) in linked {
        if let Some(date) = record_date(r) {
            timeline.push(TimelineRow {
                date,
                label: ui.kind_label(r.kind),
                name: display_name(r, ui.lang),
                href: record_href(r.kind, &r.id),
            });
        }
    }
    timeline.sort_by(|a, b| (&a.date, &a.label).cmp(&(&b.date, &b.label)));
    // The newest rows, when a licence has more than a page can hold.
    if timeline.len() > MAX_TIMELINE {
        timeline.drain(..timeline.len() - MAX_TIMELINE);
    }
    let status_history = status_history(ui, licence, payload, linked);
    Ok(Hub {
        map,
        map_caption: caption,
        status_history,
        timeline,
        agreements: Vec::new(),
        lies_in,
        drawn_area: drawn_area(ui, licence, payload),
        corners: corners(payload),
    })
}

/// The zones this viewer may see of some types (or, with `negate`, of all but those).
async fn zones(
    state: &AppState,
    viewer: &Viewer,
    types: &[&str],
    negate: bool,
    search: Option<String>,
) -> Result<Vec<(StoredRecord, minewatch_domain::records::Zone)>, minewatch_store::StoreError> {
    let mut q = ListQuery::all(RecordKind::Zone).visible_to(&viewer.filter());
    q.limit = 10_000;
    q.search = search;
    q.fields = vec![FieldFilter {
        field: "zone_type",
        values: types.iter().map(|t| (*t).to_owned()).collect(),
        negate,
    }];
    Ok(state
        .store
        .list(&q)
        .await?
        .into_iter()
        .filter_map(|r| match r.typed() {
            Ok(Record::Zone(z)) => Some((r, z)),
            _ => None,
        })
        .collect())
}

/// The licence's soum as recorded (a `soum` zone with its name in its aimag), and
/// the protection zones near the licence.
async fn soum_and_zones(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    aimag: &Localized,
    soum: &Localized,
    licence: &[MapShape],
) -> Result<Vec<MapShape>, minewatch_store::StoreError> {
    let mut out = Vec::new();
    let mut extent: Vec<[f64; 2]> = licence
        .iter()
        .flat_map(|s| s.ring.iter().map(|&(x, y)| [x, y]))
        .collect();
    for name in [&soum.en, &soum.mn].into_iter().flatten() {
        let found = zones(state, viewer, &["soum"], false, Some(name.clone())).await?;
        let same = found.into_iter().find(|(_, z)| {
            z.name.same_as(soum) && z.aimag.as_ref().is_none_or(|a| a.same_as(aimag))
        });
        if let Some((r, z)) = same {
            for ring in outlines(&z.boundary) {
                extent.extend(ring.iter().map(|&(x, y)| [x, y]));
                out.push(MapShape {
                    ring,
                    title: zone_title(ui, &r, &z.zone_type),
                    href: record_href(r.kind, &r.id),
                    layer: Layer::Ground,
                });
            }
            break;
        }
    }
    let Some(bbox) = BBox::of(&extent) else {
        return Ok(out);
    };
    for (r, z) in zones(state, viewer, &ADMIN_ZONE_TYPES, true, None).await? {
        if BBox::of_area(&z.boundary).is_some_and(|b| b.meets(&bbox)) {
            let title = zone_title(ui, &r, &z.zone_type);
            for ring in outlines(&z.boundary) {
                out.push(MapShape {
                    ring,
                    title: title.clone(),
                    href: record_href(r.kind, &r.id),
                    layer: Layer::Zone,
                });
            }
        }
    }
    Ok(out)
}

/// A zone page's map, and the licences in it.
pub struct ZoneSection {
    pub map: Option<String>,
    pub map_caption: String,
    /// The licences this viewer may see whose area meets the zone, most overlap first:
    /// (number, link, overlap text).
    pub licences: Vec<(String, String, String)>,
    /// "and 1,234 more", when there are more than a page lists.
    pub more: Option<String>,
}

/// A licence as the zone pages and the national map find it: its area as the viewer
/// may see it, on the equal-area plane.
pub(crate) struct LicenceArea {
    name: String,
    href: Option<String>,
    outlines: Vec<Vec<(f64, f64)>>,
    plane: PlaneArea,
    /// The middle of its box in degrees, and its status: for the national map.
    pub(crate) centre: (f64, f64),
    pub(crate) status: &'static str,
}

/// Every licence with an area this viewer may see, with an R-tree of their boxes:
/// kept until the ledger moves, so a soum's page asks the tree, not every licence.
pub struct LicenceAreas {
    pub(crate) items: Vec<LicenceArea>,
    tree: RTree,
    /// Licences this viewer may see without an area (not in `items`).
    pub(crate) without_area: usize,
}

pub(crate) async fn licence_areas(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
) -> Result<std::sync::Arc<LicenceAreas>, minewatch_store::StoreError> {
    let filter = viewer.filter();
    // A licence's name is its number in either language: one index per reach of viewer.
    let key = format!("{filter:?}");
    state
        .kept
        .licence_areas
        .get(
            state,
            key,
            async || -> Result<_, minewatch_store::StoreError> {
                let projection = Albers::mongolia();
                let mut items = Vec::new();
                let mut without_area = 0;
                let mut q = ListQuery::all(RecordKind::Licence).visible_to(&filter);
                q.limit = 5_000;
                loop {
                    let page = state.store.list(&q).await?;
                    let done = page.len() < 5_000;
                    q.offset += page.len() as i64;
                    for l in page {
                        let access =
                            minewatch_domain::access::RecordAccess::of(l.kind, &l.id, &l.payload);
                        let view = viewer.fields(&l, &access).payload;
                        let Ok(Record::Licence(licence)) = l.typed() else {
                            continue;
                        };
                        // Only an area this viewer may see.
                        let (Some(shape), Some(BBox([a, b, c, d]))) =
                            (view.get("area"), BBox::of_area(&licence.area))
                        else {
                            without_area += 1;
                            continue;
                        };
                        let valid: Vec<Polygon> =
                            licence.area.iter().flat_map(|p| make_valid(p).0).collect();
                        let Some(plane) = PlaneArea::new(&valid, &projection) else {
                            without_area += 1;
                            continue;
                        };
                        items.push(LicenceArea {
                            name: display_name(&l, ui.lang),
                            href: record_href(l.kind, &l.id),
                            outlines: outer_rings(shape),
                            plane,
                            centre: ((a + c) / 2.0, (b + d) / 2.0),
                            status: licence.status.as_str(),
                        });
                    }
                    if done {
                        break;
                    }
                }
                let tree = RTree::new(items.iter().map(|i: &LicenceArea| Some(i.plane.bbox())));
                Ok(std::sync::Arc::new(LicenceAreas {
                    items,
                    tree,
                    without_area,
                }))
            },
        )
        .await
}

/// Licences a zone page lists at most (the largest overlaps); the rest are counted
/// and the soum's are one filter away in the licence list.
const MAX_ZONE_LICENCES: usize = 500;

/// A zone's page: the zone, and the licences this viewer may see that meet it.
pub async fn zone_section(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    zone: &StoredRecord,
) -> Result<Option<ZoneSection>, minewatch_store::StoreError> {
    let Ok(Record::Zone(z)) = zone.typed() else {
        return Ok(None);
    };
    let mut shapes: Vec<MapShape> = outlines(&z.boundary)
        .into_iter()
        .map(|ring| MapShape {
            ring,
            title: display_name(zone, ui.lang),
            href: None,
            layer: Layer::Ground,
        })
        .collect();
    let zone_plane = PlaneArea::new(
        &z.boundary
            .iter()
            .flat_map(|p| make_valid(p).0)
            .collect::<Vec<_>>(),
        &Albers::mongolia(),
    );
    let licences = licence_areas(state, viewer, ui).await?;
    // Candidates by box, then the same test the engine's spatial duties use (touching
    // counts), and how much of each on the equal-area plane.
    let mut meeting: Vec<(f64, &LicenceArea, String)> = match &zone_plane {
        Some(zp) => licences
            .tree
            .query(&zp.bbox())
            .into_iter()
            .map(|i| &licences.items[i])
            // Meeting: sharing area or touching, on the plane.
            .filter(|l| l.plane.distance(zp, 0.0).is_some())
            .map(|l| {
                let o = l.plane.overlap(zp);
                (o, l, overlap_text(ui, o, l.plane.area()))
            })
            .collect(),
        None => Vec::new(),
    };
    meeting.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let more = meeting.len().saturating_sub(MAX_ZONE_LICENCES);
    meeting.truncate(MAX_ZONE_LICENCES);
    for (_, l, _) in meeting.iter().take(MAX_NEIGHBOURS) {
        for ring in &l.outlines {
            shapes.push(MapShape {
                ring: ring.clone(),
                title: l.name.clone(),
                href: l.href.clone(),
                layer: Layer::Other,
            });
        }
    }
    let caption = zone_title(ui, zone, &z.zone_type);
    Ok(Some(ZoneSection {
        map: map(&shapes, &[], &caption, &map_text(ui, true)),
        map_caption: caption,
        licences: meeting
            .into_iter()
            .map(|(_, l, text)| (l.name.clone(), l.href.clone().unwrap_or_default(), text))
            .collect(),
        more: (more > 0).then(|| ui.t_count("zone-more-licences", more as i64)),
    }))
}

/// The decisions that change a licence's status, by the pack's event names.
const STATUS_DECISIONS: [(&str, &str); 5] = [
    ("licence-granted", "granted"),
    ("licence-transferred", "transferred"),
    ("licence-suspended", "suspended"),
    ("licence-revoked", "revoked"),
    ("licence-expired", "expired"),
];

/// The recorded status history, with each decision that changed the status on a date
/// the history does not already have that status on.
fn status_history(
    ui: &Ui,
    licence: &StoredRecord,
    payload: &Value,
    linked: &[(String, StoredRecord)],
) -> Vec<TimelineRow> {
    let mut rows: Vec<(String, String, TimelineRow)> = Vec::new();
    for item in payload
        .get("status_history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(date), Some(status)) = (
            item.get("date").and_then(Value::as_str),
            item.get("status").and_then(Value::as_str),
        ) {
            rows.push((
                date.to_owned(),
                status.to_owned(),
                TimelineRow {
                    date: date.to_owned(),
                    label: ui.t(&format!("status-{status}")),
                    name: display_name(licence, ui.lang),
                    href: None,
                },
            ));
        }
    }
    for (_, r) in linked
        .iter()
        .filter(|(_, r)| r.kind == RecordKind::Decision)
    {
        let decision = r.payload.get("decision").and_then(Value::as_str);
        let Some((_, status)) = STATUS_DECISIONS.iter().find(|(d, _)| Some(*d) == decision) else {
            continue;
        };
        let Some(date) = record_date(r) else { continue };
        if let Some(row) = rows.iter_mut().find(|(d, s, _)| *d == date && s == status) {
            // The history already says so; link the decision from that line.
            row.2.name = display_name(r, ui.lang);
            row.2.href = record_href(r.kind, &r.id);
            continue;
        }
        rows.push((
            date.clone(),
            (*status).to_owned(),
            TimelineRow {
                date,
                label: ui.t(&format!("status-{status}")),
                name: display_name(r, ui.lang),
                href: record_href(r.kind, &r.id),
            },
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, _, row)| row).collect()
}
