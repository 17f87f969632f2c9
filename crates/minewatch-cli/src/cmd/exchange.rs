//! `minewatch import` and `minewatch export`: records as CSV, XLSX or GeoJSON files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use minewatch_domain::RecordKind;
use std::collections::HashMap;

use minewatch_domain::licence::LicenceNumber;
use minewatch_formats::sheet::{self, Format};
use minewatch_formats::{cadastre, gis};
use minewatch_store::{Author, ImportReport, Store};

use super::{Global, display};

/// The kinds, for `--help` and errors.
fn kinds() -> String {
    RecordKind::all()
        .into_iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_kinds(kind: &str) -> anyhow::Result<Vec<RecordKind>> {
    if kind == "all" {
        // Media are listed by `export media` but move with their files in bundles.
        return Ok(RecordKind::all()
            .into_iter()
            .filter(|k| *k != RecordKind::Media)
            .collect());
    }
    match RecordKind::parse(kind) {
        Some(k) => Ok(vec![k]),
        None => bail!(
            "unknown record kind {kind:?}: expected all or one of {}",
            kinds()
        ),
    }
}

fn parse_format(s: &str) -> anyhow::Result<Format> {
    Format::parse(s).with_context(|| {
        format!("unknown format {s:?}: expected csv, xlsx, geojson, kml, shp (a zipped Shapefile) or gpkg")
    })
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The record kind (licence, company, consultation…), or `all` with a directory
    /// that holds one file per kind named like `licence.csv`.
    pub kind: String,
    /// The file (or, with `all`, the directory) to import.
    pub file: PathBuf,
    /// Check everything and report what would change, without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// csv, xlsx or geojson; by default from the file name.
    #[arg(long)]
    pub format: Option<String>,
    /// The text encoding of a CSV file that is not UTF-8, e.g. cp1251.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Refuse files larger than this many megabytes.
    #[arg(long, default_value_t = 100)]
    pub max_mb: u64,
    /// Who the ledger records as the author.
    #[arg(long, default_value = "cli:import")]
    pub author: String,
    /// With `bundle`: the record the bundle's files are evidence for (repeatable).
    #[arg(long, value_name = "ID")]
    pub about: Vec<String>,
    /// With `bundle`: the imported items' visibility.
    #[arg(long, default_value = "case_team")]
    pub visibility: String,
    /// With `licence`: a cadastre file as it comes, read by a preset (`eiti`: the EITI
    /// Mongolia portal's licence map; `mrpam`: the MRPAM cadastre listing) or by a
    /// mapping file (`FILE.toml`, see docs/import-export.md). Holders are matched to
    /// recorded companies or created, in the same transaction.
    #[arg(long, value_name = "eiti|mrpam|FILE.toml")]
    pub preset: Option<String>,
    /// With `water`: the pack's water zone to draw (`mn.long-name-200m`); by default
    /// every one whose width the pack gives.
    #[arg(long, value_name = "ID")]
    pub rule: Option<String>,
    /// With `water`: a width in metres the pack does not give (an aimag Khural's
    /// resolution); needs --source.
    #[arg(long, value_name = "METRES", allow_negative_numbers = true)]
    pub width: Option<f64>,
    /// With `water` and --width: where the width comes from (a resolution's number,
    /// date and link).
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
    /// With `water` and --width: the date the zones count from (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// With `water` and --width: the zone type (a spatial duty's: water-protection,
    /// headwater…).
    #[arg(long, default_value = "water-protection")]
    pub zone_type: String,
    /// With `water`: what every feature is (river, lake or spring); by default each
    /// feature's geometry says (a line, a polygon, a point).
    #[arg(long, value_name = "river|lake|spring")]
    pub water: Option<String>,
}

pub async fn import(global: &Global, args: ImportArgs) -> anyhow::Result<ExitCode> {
    if args.kind == "bundle" && args.dry_run {
        bail!(
            "--dry-run does not apply to bundles: check one with `minewatch verify FILE.zip`, which writes nothing"
        );
    }
    if args.kind == "bundle" {
        return super::media::import_bundle(global, args).await;
    }
    if !args.about.is_empty() {
        bail!(
            "--about says what an imported bundle's files are evidence for: `import bundle FILE.zip --about ID`"
        );
    }
    if let Some(preset) = &args.preset {
        return import_cadastre(global, &args, preset).await;
    }
    if args.kind == "water" {
        return import_water(global, &args).await;
    }
    let kinds = parse_kinds(&args.kind)?;
    let encoding = match &args.encoding {
        Some(label) => Some(sheet::encoding(label).with_context(|| {
            format!("unknown encoding {label:?}: expected utf-8, cp1251, cp1252 or utf-16")
        })?),
        None => None,
    };
    let files: Vec<(RecordKind, PathBuf)> = if args.kind == "all" {
        if !args.file.is_dir() {
            bail!(
                "with `all`, {} must be a directory of files named like licence.csv",
                display(&args.file)
            );
        }
        kinds
            .into_iter()
            .filter_map(|k| {
                ["csv", "xlsx", "geojson"]
                    .iter()
                    .map(|ext| args.file.join(format!("{}.{ext}", k.as_str())))
                    .find(|p| p.is_file())
                    .map(|p| (k, p))
            })
            .collect()
    } else {
        vec![(kinds[0], args.file.clone())]
    };
    if files.is_empty() {
        bail!(
            "{} holds no files named like licence.csv",
            display(&args.file)
        );
    }
    let store = global.open_store().await?;
    let author = Author::named(&args.author);
    let mut code = ExitCode::SUCCESS;
    // Kinds in the order records refer to each other: each file is one transaction.
    for (kind, path) in files {
        let report = import_file(&store, &author, kind, &path, &args, encoding).await;
        match report {
            Ok(report) => {
                print_report(&path, &report);
                if !report.problems.is_empty() {
                    code = ExitCode::from(1);
                    break;
                }
            }
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        }
    }
    store.close().await;
    Ok(code)
}

async fn import_file(
    store: &Store,
    author: &Author,
    kind: RecordKind,
    path: &Path,
    args: &ImportArgs,
    encoding: Option<&'static sheet::Encoding>,
) -> anyhow::Result<ImportReport> {
    let format = match &args.format {
        Some(f) => parse_format(f)?,
        None => Format::of_path(&path.to_string_lossy()).with_context(|| {
            format!(
                "{}: say --format csv, xlsx or geojson (the file name does not)",
                display(path)
            )
        })?,
    };
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", display(path)))?
        .len();
    if size > args.max_mb * 1_000_000 {
        bail!(
            "{}: the file is {} MB; imports take at most {} MB (--max-mb). Split it into smaller files",
            display(path),
            size.div_ceil(1_000_000),
            args.max_mb
        );
    }
    let sheet = if format == Format::GeoPackage {
        match minewatch_store::geopackage::read(path).await {
            Ok(layer) => sheet::from_layer(kind, layer),
            Err(e) => bail!("{}: {e}", display(path)),
        }
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", display(path)))?;
        match sheet::read(format, &bytes, kind, encoding) {
            Ok(s) => s,
            Err(e) => bail!("{}: {e}", display(path)),
        }
    };
    let bar = ProgressBar::new(sheet.rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} rows, {per_sec}, {eta} left")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(kind.as_str());
    // Small files finish before a bar would help.
    let started = Instant::now();
    let mut progress = |done: usize, _total: usize| {
        if started.elapsed() > Duration::from_millis(300) {
            bar.set_position(done as u64);
        }
    };
    let report = store
        .import_sheet(author, kind, sheet, args.dry_run, &mut progress)
        .await;
    bar.finish_and_clear();
    Ok(report?)
}

/// The mapping `--preset` names: a preset's name or a mapping file.
pub fn mapping(preset: &str) -> anyhow::Result<cadastre::Mapping> {
    if let Some(m) = cadastre::Mapping::preset(preset) {
        return Ok(m);
    }
    let path = Path::new(preset);
    if !path.is_file() {
        bail!(
            "--preset {preset:?}: expected {} or a mapping file (FILE.toml)",
            cadastre::PRESETS.map(|(n, _)| n).join(", ")
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", display(path)))?;
    cadastre::Mapping::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", display(path)))
}

async fn import_cadastre(
    global: &Global,
    args: &ImportArgs,
    preset: &str,
) -> anyhow::Result<ExitCode> {
    if RecordKind::parse(&args.kind) != Some(RecordKind::Licence) {
        bail!("--preset reads licence files: `minewatch import licence FILE --preset {preset}`");
    }
    let mapping = mapping(preset)?;
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", display(&args.file)))?
        .len();
    if size > args.max_mb * 1_000_000 {
        bail!(
            "{}: the file is {} MB; imports take at most {} MB (--max-mb)",
            display(&args.file),
            size.div_ceil(1_000_000),
            args.max_mb
        );
    }
    let geopackage = mapping.layout == cadastre::Layout::Geopackage
        || Format::of_path(&args.file.to_string_lossy()) == Some(Format::GeoPackage);
    let (bytes, layer) = if geopackage {
        let layer = minewatch_store::geopackage::read(&args.file)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", display(&args.file)))?;
        (Vec::new(), Some(layer))
    } else {
        let bytes = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", display(&args.file)))?;
        (bytes, None)
    };
    let input = match layer {
        Some(l) => cadastre::Input::Layer(l),
        None => cadastre::Input::Bytes(&bytes),
    };
    let store = global.open_store().await?;
    let result = import_cadastre_with(&store, args, &mapping, input).await;
    store.close().await;
    result
}

async fn import_cadastre_with(
    store: &Store,
    args: &ImportArgs,
    mapping: &cadastre::Mapping,
    input: cadastre::Input<'_>,
) -> anyhow::Result<ExitCode> {
    let name = display(&args.file);
    let companies: Vec<cadastre::KnownCompany> = store
        .all_of(RecordKind::Company)
        .await?
        .into_iter()
        .map(|r| {
            let text = |f: &str| r.payload.get(f).and_then(|v| v.as_str()).map(str::to_owned);
            let names = ["mn", "en"]
                .iter()
                .filter_map(|l| r.payload.get("name")?.get(*l)?.as_str().map(str::to_owned))
                .collect();
            cadastre::KnownCompany {
                id: r.id.as_str().to_owned(),
                names,
                registration: text("registration_number"),
            }
        })
        .collect();
    let mut licences: HashMap<String, cadastre::KnownLicence> = HashMap::new();
    for r in store.all_of(RecordKind::Licence).await? {
        let Some(key) = r
            .payload
            .get("number")
            .and_then(|v| v.as_str())
            .and_then(|n| LicenceNumber::parse(n).ok())
            .map(|n| n.key().to_owned())
        else {
            continue;
        };
        let attributes = r
            .payload
            .get("source_attributes")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        licences.insert(
            key,
            cadastre::KnownLicence {
                holder_id: r
                    .payload
                    .get("holder_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                source_attributes: attributes,
            },
        );
    }
    // The day in the jurisdiction (the built-in pack's time zone: Ulaanbaatar).
    let today = super::gaps::load_pack(None)?.today(jiff::Timestamp::now());
    let read = cadastre::read(
        mapping,
        input,
        &companies,
        &|key| licences.get(key).cloned(),
        today,
    );
    let file = match read {
        Ok(f) => f,
        Err(e) => {
            for line in e.to_string().lines() {
                println!("{name}: {line}");
            }
            println!("{name}: nothing was imported");
            return Ok(ExitCode::from(1));
        }
    };
    println!(
        "{name}: read as {} ({} rows); columns: {}",
        mapping.name,
        file.licences.rows.len(),
        mapping
            .columns
            .iter()
            .map(|(to, from)| format!("{to} ← {from}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{name}: holders: {} matched to recorded companies, {} new{}",
        file.matched_companies,
        file.companies.rows.len(),
        if file.holders_kept > 0 {
            format!(
                "; {} licences already recorded keep their holder (the file names it otherwise, without a registration number)",
                file.holders_kept
            )
        } else {
            String::new()
        }
    );
    let company_path = PathBuf::from(format!("{name} (holders)"));
    let reports = store
        .import_sheets(
            &Author::named(&args.author),
            vec![
                (RecordKind::Company, file.companies),
                (RecordKind::Licence, file.licences),
            ],
            args.dry_run,
            &mut |_, _| {},
        )
        .await?;
    let mut code = ExitCode::SUCCESS;
    for (report, path) in reports.iter().zip([&company_path, &args.file]) {
        print_report(path, report);
        if !report.problems.is_empty() {
            code = ExitCode::from(1);
        }
    }
    Ok(code)
}

/// `import water FILE`: protection zones drawn around a file's rivers, lakes and
/// springs, by the pack's widths or one given with its source; one transaction.
async fn import_water(global: &Global, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    use minewatch_formats::water::{self, Water, Width};
    let name = display(&args.file);
    let pack = super::gaps::load_pack(None)?;
    let kind = match &args.water {
        Some(w) => Some(
            Water::parse(w)
                .with_context(|| format!("--water {w:?}: expected river, lake or spring"))?,
        ),
        None => None,
    };
    let spatial: Vec<&str> = pack
        .duties
        .iter()
        .filter_map(|d| d.zone.as_deref())
        .collect();
    // The widths to draw, each with the kinds of water it covers.
    let mut widths: Vec<(Width, Vec<String>)> = Vec::new();
    match (args.width, &args.rule) {
        (Some(_), Some(rule)) => {
            bail!("give --rule {rule} (the pack's width) or --width with --source, not both")
        }
        (Some(metres), None) => {
            if !(metres.is_finite() && metres > 0.0) {
                bail!("--width {metres}: a width in metres above 0");
            }
            let Some(source) = args
                .source
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            else {
                bail!(
                    "--width needs --source: the resolution or law that sets {metres} m (its number, date and link)"
                );
            };
            if !spatial.contains(&args.zone_type.as_str()) {
                bail!(
                    "--zone-type {:?}: no duty of the pack reads it; expected one of {}",
                    args.zone_type,
                    spatial.join(", ")
                );
            }
            let since = match &args.since {
                Some(d) => Some(
                    d.parse::<jiff::civil::Date>()
                        .with_context(|| format!("--since {d:?}: expected a date as YYYY-MM-DD"))?,
                ),
                None => None,
            };
            let all = Water::ALL.map(|w| w.as_str().to_owned()).to_vec();
            widths.push((
                Width {
                    rule: None,
                    metres,
                    zone_type: args.zone_type.clone(),
                    since,
                    source: source.to_owned(),
                },
                all,
            ));
        }
        (None, rule) => {
            if args.source.is_some() || args.since.is_some() {
                bail!("--source and --since go with --width");
            }
            let chosen: Vec<_> = match rule {
                Some(id) => vec![pack.water_zone(id).with_context(|| {
                    format!(
                        "--rule {id:?}: the pack has no such water zone; it has {}",
                        pack.water_zones
                            .iter()
                            .map(|w| w.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?],
                None => pack.water_zones.iter().collect(),
            };
            for w in chosen {
                let Some(metres) = w.metres else {
                    println!(
                        "{name}: {} ({}): the width is not in the pack's sources, so no zone is drawn for it. {}",
                        w.id,
                        w.title.en.as_deref().unwrap_or_default(),
                        w.note.as_deref().unwrap_or("Give --width with --source.")
                    );
                    continue;
                };
                println!(
                    "{name}: {} m around every {} ({}; {} confidence: {}){}",
                    metres,
                    w.water.join(", "),
                    w.id,
                    w.confidence.as_str(),
                    w.source,
                    w.note
                        .as_deref()
                        .map(|n| format!(". {n}"))
                        .unwrap_or_default()
                );
                widths.push((
                    Width {
                        rule: Some(w.id.clone()),
                        metres,
                        zone_type: w.zone.clone(),
                        since: pack.law(&w.law).and_then(|l| l.date),
                        source: w.source.clone(),
                    },
                    w.water.clone(),
                ));
            }
            if widths.is_empty() {
                println!("{name}: nothing was imported");
                return Ok(ExitCode::from(1));
            }
        }
    }
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {name}"))?
        .len();
    if size > args.max_mb * 1_000_000 {
        bail!(
            "{name}: the file is {} MB; imports take at most {} MB (--max-mb)",
            size.div_ceil(1_000_000),
            args.max_mb
        );
    }
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {name}"))?;
    let features = match water::read(&bytes, kind) {
        Ok(f) => f,
        Err(e) => {
            for line in e.lines() {
                println!("{name}: {line}");
            }
            println!("{name}: nothing was imported");
            return Ok(ExitCode::from(1));
        }
    };
    let count = |w: Water| features.iter().filter(|f| f.water == w).count();
    println!(
        "{name}: {} river(s), {} lake(s), {} spring(s)",
        count(Water::River),
        count(Water::Lake),
        count(Water::Spring)
    );
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let mut sheet = minewatch_formats::sheet::Sheet::default();
    for (width, kinds) in &widths {
        let part = water::zones(
            &features,
            width,
            |w| kinds.iter().any(|k| k == w.as_str()),
            &file_name,
        );
        if sheet.header.is_empty() {
            sheet.header = part.header;
        }
        sheet.rows.extend(part.rows);
        sheet.notes.extend(part.notes);
    }
    let store = global.open_store().await?;
    let report = store
        .import_sheet(
            &Author::named(&args.author),
            RecordKind::Zone,
            sheet,
            args.dry_run,
            &mut |_, _| {},
        )
        .await;
    store.close().await;
    let report = report?;
    print_report(&args.file, &report);
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_report(path: &Path, r: &ImportReport) {
    let name = display(path);
    for note in &r.notes {
        println!("{name}: {}", note.detail);
    }
    for repair in &r.repairs {
        println!(
            "{name}: {}, column {}: repaired text ({}): {:?} → {:?}",
            repair.place, repair.column, repair.how, repair.from, repair.to
        );
    }
    if !r.problems.is_empty() {
        for p in &r.problems {
            println!("{name}: {p}");
        }
        println!(
            "{name}: {} problem(s) in {} row(s); nothing was imported",
            r.problems.len(),
            r.rows
        );
        return;
    }
    let verb = if r.dry_run {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{name}: {verb} {} {} row(s): {} new, {} corrected, {} unchanged{}",
        r.rows,
        r.kind,
        r.created,
        r.corrected,
        r.unchanged,
        if r.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The record kind, or `all` to write one file per kind into the directory `-o`.
    pub kind: String,
    /// csv, xlsx or geojson (geojson for kinds with a place: licence, community,
    /// observation).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// The file (or, with `all`, the directory) to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Export every record whole: non-public records, people's identities and exact
    /// places (reporters, contacts, exact locations). Without it only what the public
    /// sees leaves. Each export of restricted fields is recorded in the ledger. (Not for `bundle`:
    /// a bundle always carries the originals with their capture metadata and names.)
    #[arg(long)]
    pub include_restricted: bool,
    /// Who the ledger records as exporting restricted fields.
    #[arg(long, default_value = "cli:export")]
    pub author: String,
    /// With `bundle`: a record standing for a case (a licence, company, complaint…);
    /// its media and those of every record that refers to it.
    #[arg(long = "case", value_name = "ID")]
    pub cases: Vec<String>,
    /// With `bundle`: a licence; its media and those of its reports, inspections…
    #[arg(long = "licence", value_name = "ID")]
    pub licences: Vec<String>,
    /// With `bundle`: any record; its media and those of every record that refers to
    /// it (a media item's id: that item alone). Repeat for more.
    #[arg(long = "record", value_name = "ID")]
    pub records: Vec<String>,
}

pub async fn export(global: &Global, args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.kind == "bundle" {
        return super::media::export_bundle(global, args).await;
    }
    if !(args.cases.is_empty() && args.licences.is_empty() && args.records.is_empty()) {
        bail!("--case, --licence and --record select what goes into `export bundle`");
    }
    let kinds = parse_kinds(&args.kind)?;
    let format = parse_format(&args.format)?;
    let all = args.kind == "all";
    if all {
        std::fs::create_dir_all(&args.output)
            .with_context(|| format!("creating {}", display(&args.output)))?;
    }
    let store = global.open_store().await?;
    let author = Author::named(&args.author);
    for kind in kinds {
        if format == Format::GeoJson
            && minewatch_formats::table::geometry_field(kind).is_none()
            && !all
        {
            eprintln!("note: a {kind} has no place; its features will have no geometry");
        }
        let (header, rows) = store
            .export_table(&author, kind, args.include_restricted, "cli export")
            .await?;
        let path = if all {
            args.output
                .join(format!("{}.{}", kind.as_str(), format.as_str()))
        } else {
            args.output.clone()
        };
        let count = rows.len();
        let bytes = match format {
            Format::Csv => sheet::write_csv(&header, &rows),
            Format::Xlsx => sheet::write_xlsx(kind, &header, &rows).map_err(anyhow::Error::msg)?,
            Format::GeoJson => sheet::write_geojson(kind, &header, &rows),
            Format::Kml | Format::Shapefile | Format::GeoPackage => {
                let (header, rows) =
                    with_holders(&store, kind, header, rows, args.include_restricted).await?;
                let layer = gis::layer(kind, &header, &rows);
                match format {
                    Format::Kml => gis::kml::write(&layer),
                    Format::Shapefile => gis::shp::write(&layer)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", display(&path)))?,
                    _ => {
                        let tmp = path.with_extension("partial");
                        let _ = std::fs::remove_file(&tmp);
                        minewatch_store::geopackage::write(&tmp, std::slice::from_ref(&layer))
                            .await
                            .with_context(|| format!("writing {}", display(&tmp)))?;
                        std::fs::rename(&tmp, &path)
                            .with_context(|| format!("writing {}", display(&path)))?;
                        println!("{}: {count} {kind} record(s)", display(&path));
                        continue;
                    }
                }
            }
        };
        write_atomically(&path, &bytes)?;
        println!("{}: {count} {kind} record(s)", display(&path));
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A licence table as GIS people want it: the holder by registration number (which
/// imports take as the reference) and by name, beside it, not by an internal id. Other
/// kinds as they are.
async fn with_holders(
    store: &Store,
    kind: RecordKind,
    mut header: Vec<String>,
    mut rows: Vec<Vec<minewatch_formats::table::Cell>>,
    include_restricted: bool,
) -> anyhow::Result<(Vec<String>, Vec<Vec<minewatch_formats::table::Cell>>)> {
    use minewatch_formats::table::Cell;
    let Some(at) = header.iter().position(|h| h == "holder_id") else {
        return Ok((header, rows));
    };
    if kind != RecordKind::Licence {
        return Ok((header, rows));
    }
    // Companies as the export's reader may see them.
    let mut q = minewatch_store::ListQuery::all(RecordKind::Company);
    if include_restricted {
        q = q.everything();
    }
    q.limit = 10_000;
    q.unshaped = true;
    let mut companies: HashMap<String, (String, Option<String>)> = HashMap::new();
    loop {
        q.offset = companies.len() as i64;
        let page = store.list(&q).await?;
        let done = page.len() < 10_000;
        for c in page {
            let name = ["mn", "en"]
                .iter()
                .find_map(|l| {
                    c.payload
                        .get("name")?
                        .get(*l)?
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let registration = c
                .payload
                .get("registration_number")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            companies.insert(c.id.as_str().to_owned(), (name, registration));
        }
        if done {
            break;
        }
    }
    header.insert(at + 1, "holder_name".into());
    for row in &mut rows {
        let id = row.get(at).map(Cell::text).unwrap_or_default();
        let (name, registration) = companies.get(&id).cloned().unwrap_or_default();
        if let Some(r) = registration.filter(|r| !r.is_empty()) {
            row[at] = Cell::Text(r);
        }
        row.insert(
            at + 1,
            if name.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(name)
            },
        );
    }
    Ok((header, rows))
}

/// Writes a file whole or not at all: to a temporary name, then renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", display(&tmp)))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", display(path)))?;
    Ok(())
}
