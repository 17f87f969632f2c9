//! `minewatch screen`: every licence against the soums, aimags and protection zones it
//! lies in or near, with areas in hectares on an equal-area plane and distances in
//! metres; and each licence's drawn area against the area the cadastre reports.
//!
//! From the records of a data directory, or (`--licences`, `--zones`) straight from
//! the files, before anything is imported.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use minewatch_domain::geo::{Albers, PlaneArea, make_valid};
use minewatch_domain::records::{Polygon, Zone};
use minewatch_domain::spatial::{MeasureZone, measure};
use minewatch_domain::{Record, RecordKind};
use minewatch_formats::sheet::{self, Format};
use minewatch_formats::table::Cell;
use minewatch_formats::table::parse_wkt_polygon;
use minewatch_formats::{cadastre, gis};
use serde_json::{Value, json};

use super::{Global, display};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// csv or json; gpkg, kml or shp (a zipped Shapefile) with `-o`, each pair with the
    /// licence's shape.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Also list protection zones this close to a licence, in metres (soums and aimags
    /// only when the licence lies in them).
    #[arg(long, default_value_t = 1000.0)]
    pub within: f64,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Screen licence files instead of the records (with `--preset`). Repeatable.
    #[arg(long, requires = "zones")]
    pub licences: Vec<PathBuf>,
    /// How to read `--licences`: eiti, mrpam or a mapping file.
    #[arg(long, default_value = "eiti")]
    pub preset: String,
    /// Zone files (GeoJSON: OCHA COD-AB soums or aimags, or zones as minewatch exports
    /// them), with `--licences`. Repeatable.
    #[arg(long)]
    pub zones: Vec<PathBuf>,
    /// Threads to measure with (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The columns of a screening, in order.
const COLUMNS: [&str; 13] = [
    "licence",
    "licence_area_ha",
    "reported_area_ha",
    "area_difference_percent",
    "area_differs",
    "zone_id",
    "zone_code",
    "zone_name",
    "zone_type",
    "overlap_ha",
    "overlap_m2",
    "licence_share_percent",
    "distance_m",
];

/// A licence to screen.
struct Lic {
    number: String,
    reported_ha: Option<f64>,
    area: Vec<Polygon>,
}

/// A zone to screen against.
struct Zn {
    id: String,
    zone: Zone,
}

/// An area made valid (older records and other files may hold invalid rings).
fn valid(area: &[Polygon]) -> Vec<Polygon> {
    area.iter().flat_map(|p| make_valid(p).0).collect()
}

fn area_of_wkt(text: &str) -> Result<Vec<Polygon>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let v = parse_wkt_polygon(text)?;
    let parts: Vec<Value> = match v["type"].as_str() {
        Some("MultiPolygon") => v["coordinates"].as_array().cloned().unwrap_or_default(),
        _ => vec![v["coordinates"].clone()],
    };
    parts
        .into_iter()
        .map(|rings| serde_json::from_value(json!({ "rings": rings })).map_err(|e| e.to_string()))
        .collect()
}

fn from_files(args: &Args) -> anyhow::Result<(Vec<Lic>, Vec<Zn>)> {
    let mapping = super::exchange::mapping(&args.preset)?;
    let mut licences = Vec::new();
    for path in &args.licences {
        licences.extend(licences_of_file(path, &mapping)?);
    }
    let zones = zones_of_files(&args.zones)?;
    Ok((licences, zones))
}

fn licences_of_file(path: &Path, mapping: &cadastre::Mapping) -> anyhow::Result<Vec<Lic>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", display(path)))?;
    let today = jiff::civil::date(2000, 1, 1);
    let file = cadastre::read(
        mapping,
        cadastre::Input::Bytes(&bytes),
        &[],
        &|_| None,
        today,
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", display(path)))?;
    let col = |name: &str| file.licences.header.iter().position(|h| h == name);
    let (number, reported, area) = (col("number"), col("area_ha"), col("area"));
    let mut licences = Vec::new();
    for (place, cells) in &file.licences.rows {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(String::as_str);
        licences.push(Lic {
            number: cell(number).unwrap_or_default().to_owned(),
            reported_ha: cell(reported).and_then(|s| s.parse().ok()),
            area: area_of_wkt(cell(area).unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("{}: {place}: {e}", display(path)))?,
        });
    }
    Ok(licences)
}

fn zones_of_files(paths: &[PathBuf]) -> anyhow::Result<Vec<Zn>> {
    let mut zones = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", display(path)))?;
        let sheet = sheet::read(Format::GeoJson, &bytes, RecordKind::Zone, None)
            .map_err(|e| anyhow::anyhow!("{}: {e}", display(path)))?;
        let header = minewatch_formats::table::Header::read(RecordKind::Zone, &sheet.header)
            .map_err(|p| {
                anyhow::anyhow!(
                    "{}: not a zone file: {}",
                    display(path),
                    p.iter()
                        .map(|p| format!("{}: {}", p.column, p.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
        for (place, cells) in sheet.rows {
            let (id, payload, problems) = header.read_row(&cells);
            if let Some(p) = problems.first() {
                bail!(
                    "{}: {place}, column {}: {}",
                    display(path),
                    p.column,
                    p.reason
                );
            }
            let zone = match Record::from_payload(RecordKind::Zone, &payload) {
                Ok(Record::Zone(z)) => z,
                Ok(_) => unreachable!("a zone payload is a zone"),
                Err(e) => bail!(
                    "{}: {place}: {}",
                    display(path),
                    e.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            let id = id
                .or_else(|| zone.code.clone())
                .unwrap_or_else(|| place.to_string());
            zones.push(Zn { id, zone });
        }
    }
    Ok(zones)
}

async fn from_store(global: &Global) -> anyhow::Result<(Vec<Lic>, Vec<Zn>)> {
    let store = global.open_store().await?;
    let read = async {
        let mut licences = Vec::new();
        for r in store.all_of(RecordKind::Licence).await? {
            if let Ok(Record::Licence(l)) = Record::from_payload(RecordKind::Licence, &r.payload) {
                licences.push(Lic {
                    number: l.number.as_str().to_owned(),
                    reported_ha: l.area_ha,
                    area: l.area,
                });
            }
        }
        let mut zones = Vec::new();
        for r in store.all_of(RecordKind::Zone).await? {
            if let Ok(Record::Zone(z)) = Record::from_payload(RecordKind::Zone, &r.payload) {
                zones.push(Zn {
                    id: r.id.as_str().to_owned(),
                    zone: z,
                });
            }
        }
        anyhow::Ok((licences, zones))
    }
    .await;
    store.close().await;
    read
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.as_str();
    let json_out = match format {
        "csv" => false,
        "json" => true,
        "gpkg" | "kml" | "shp" if args.output.is_some() => false,
        "gpkg" | "kml" | "shp" => bail!("--format {format} writes a file: give it with -o"),
        other => bail!("unknown format {other:?}: expected csv, json, gpkg, kml or shp"),
    };
    if !(0.0..=100_000.0).contains(&args.within) {
        bail!("--within is in metres, from 0 to 100000");
    }
    let (licences, zones) = if args.licences.is_empty() {
        from_store(global).await?
    } else {
        from_files(&args)?
    };
    let projection = Albers::mongolia();
    let lic_areas: Vec<Option<PlaneArea>> = licences
        .iter()
        .map(|l| PlaneArea::new(&valid(&l.area), &projection))
        .collect();
    let zone_areas: Vec<Option<PlaneArea>> = zones
        .iter()
        .map(|z| PlaneArea::new(&valid(&z.zone.boundary), &projection))
        .collect();
    let (zone_index, measure_zones): (Vec<usize>, Vec<MeasureZone<'_>>) = zone_areas
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            Some((
                i,
                MeasureZone {
                    area: a.as_ref()?,
                    near_counts: !zones[i].zone.is_admin(),
                },
            ))
        })
        .unzip();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let found = measure(&lic_areas, &measure_zones, args.within, threads);

    let mut rows: Vec<Value> = Vec::with_capacity(found.len());
    // Each row's licence shape, for the GIS formats.
    let mut shapes: Vec<Vec<Polygon>> = Vec::new();
    let gis_out = matches!(format, "gpkg" | "kml" | "shp");
    let ha = |m2: f64| (m2 / 100.0).round() / 100.0;
    for m in &found {
        let l = &licences[m.licence];
        let z = &zones[zone_index[m.zone]];
        let own = lic_areas[m.licence].as_ref().map_or(0.0, PlaneArea::area);
        let difference = l
            .reported_ha
            .filter(|r| *r > 0.0)
            .map(|r| ((own / 10_000.0 - r) / r * 1000.0).round() / 10.0);
        rows.push(json!({
            "licence": l.number,
            "licence_area_ha": ha(own),
            "reported_area_ha": l.reported_ha,
            "area_difference_percent": difference,
            "area_differs": difference.is_some_and(|d| d.abs() > 5.0),
            "zone_id": z.id,
            "zone_code": z.zone.code,
            "zone_name": z.zone.name.mn.as_deref().filter(|s| !s.is_empty()).or(z.zone.name.en.as_deref()),
            "zone_type": z.zone.zone_type,
            "overlap_ha": (m.overlap_m2 / 100.0).round() / 100.0,
            "overlap_m2": m.overlap_m2,
            "licence_share_percent": if own > 0.0 { (m.overlap_m2 / own * 1000.0).round() / 10.0 } else { 0.0 },
            "distance_m": (m.distance_m * 10.0).round() / 10.0,
        }));
        if gis_out {
            shapes.push(valid(&l.area));
        }
    }
    if gis_out {
        // Each pair as a feature with the licence's shape, in a layer named `screening`.
        let layer = gis::Layer {
            name: "screening".into(),
            columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            geometry_columns: Vec::new(),
            geometry_kind: gis::GeometryKind::MultiPolygon,
            features: rows
                .iter()
                .zip(shapes)
                .map(|(r, ps)| gis::Feature {
                    cells: COLUMNS
                        .iter()
                        .map(|c| match &r[*c] {
                            Value::Null => Cell::Empty,
                            Value::String(s) => Cell::Text(s.clone()),
                            other => Cell::Text(other.to_string()),
                        })
                        .collect(),
                    geometry: gis::Geometry::Polygons(ps),
                })
                .collect(),
        };
        let path = args.output.as_ref().expect("checked above");
        match format {
            "kml" => std::fs::write(path, gis::kml::write(&layer))
                .with_context(|| format!("writing {}", display(path)))?,
            "shp" => std::fs::write(
                path,
                gis::shp::write(&layer).map_err(|e| anyhow::anyhow!("{}: {e}", display(path)))?,
            )
            .with_context(|| format!("writing {}", display(path)))?,
            _ => {
                let _ = std::fs::remove_file(path);
                minewatch_store::geopackage::write(path, std::slice::from_ref(&layer))
                    .await
                    .with_context(|| format!("writing {}", display(path)))?;
            }
        }
        eprintln!("{}: {} pairs", display(path), rows.len());
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = if json_out {
        let mut b = serde_json::to_vec_pretty(&rows).expect("JSON");
        b.push(b'\n');
        b
    } else {
        let columns = COLUMNS;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(columns).expect("in memory");
        for r in &rows {
            w.write_record(columns.iter().map(|c| match &r[*c] {
                Value::Null => String::new(),
                Value::String(s) => minewatch_formats::table::neutralise(s),
                other => other.to_string(),
            }))
            .expect("in memory");
        }
        w.into_inner().expect("in memory")
    };
    let without = licences.iter().filter(|l| l.area.is_empty()).count();
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", display(path)))?
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    eprintln!(
        "screened {} licences against {} zones: {} pairs{}",
        licences.len() - without,
        measure_zones.len(),
        rows.len(),
        if without > 0 {
            format!("; {without} licences have no recorded area")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}
