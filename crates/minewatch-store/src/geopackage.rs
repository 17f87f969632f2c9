//! GeoPackage 1.3 files (OGC 12-128r18): an SQLite database with the GeoPackage
//! tables (`gpkg_spatial_ref_sys`, `gpkg_contents`, `gpkg_geometry_columns`) and one
//! feature table per layer, geometries as GeoPackage blobs in WGS 84. Written whole to
//! a new file, and read back: a layer's columns and features.

use std::path::Path;
use std::str::FromStr as _;

use minewatch_formats::gis::wkb::{WGS84, gpkg_blob, read_gpkg_blob};
use minewatch_formats::gis::{Feature, Geometry, GeometryKind, Layer};
use minewatch_formats::table::Cell;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};

use crate::StoreError;

const WGS84_WKT: &str = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

/// A name quoted for SQL (`"` doubled).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes `layers` as a new GeoPackage at `path` (which must not exist).
pub async fn write(path: &Path, layers: &[Layer]) -> Result<(), StoreError> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| StoreError::Config(e.to_string()))?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete);
    let mut db = options.connect().await?;
    // "GPKG" and version 1.3.0, as §1.1.1 asks.
    sqlx::query("pragma application_id = 1196444487")
        .execute(&mut db)
        .await?;
    sqlx::query("pragma user_version = 10300")
        .execute(&mut db)
        .await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "create table gpkg_spatial_ref_sys (srs_name text not null, srs_id integer primary key,
         organization text not null, organization_coordsys_id integer not null,
         definition text not null, description text)",
    )
    .execute(&mut *tx)
    .await?;
    for (name, id, org, def, desc) in [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            WGS84,
            "EPSG",
            WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
    ] {
        sqlx::query("insert into gpkg_spatial_ref_sys values ($1, $2, $3, $4, $5, $6)")
            .bind(name)
            .bind(id)
            .bind(org)
            .bind(id)
            .bind(def)
            .bind(desc)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "create table gpkg_contents (table_name text not null primary key, data_type text not null,
         identifier text unique, description text default '',
         last_change datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
         min_x double, min_y double, max_x double, max_y double,
         srs_id integer references gpkg_spatial_ref_sys(srs_id))",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "create table gpkg_geometry_columns (table_name text not null, column_name text not null,
         geometry_type_name text not null, srs_id integer not null, z tinyint not null,
         m tinyint not null, primary key (table_name, column_name),
         foreign key (table_name) references gpkg_contents(table_name),
         foreign key (srs_id) references gpkg_spatial_ref_sys(srs_id))",
    )
    .execute(&mut *tx)
    .await?;
    for layer in layers {
        let geometry_type = match layer.geometry_kind {
            GeometryKind::MultiPolygon => Some("MULTIPOLYGON"),
            GeometryKind::Point => Some("POINT"),
            GeometryKind::None => None,
        };
        let mut columns = vec!["fid integer primary key autoincrement not null".to_owned()];
        if let Some(t) = geometry_type {
            columns.push(format!("geom {t}"));
        }
        columns.extend(layer.columns.iter().map(|c| format!("{} text", quoted(c))));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "create table {} ({})",
            quoted(&layer.name),
            columns.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
        let bbox = layer
            .features
            .iter()
            .filter_map(|f| f.geometry.bbox())
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            });
        sqlx::query(
            "insert into gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id)
             values ($1, $2, $1, $3, $4, $5, $6, $7)",
        )
        .bind(&layer.name)
        .bind(if geometry_type.is_some() { "features" } else { "attributes" })
        .bind(bbox.map(|b| b[0]))
        .bind(bbox.map(|b| b[1]))
        .bind(bbox.map(|b| b[2]))
        .bind(bbox.map(|b| b[3]))
        .bind(geometry_type.map(|_| WGS84))
        .execute(&mut *tx)
        .await?;
        if let Some(t) = geometry_type {
            sqlx::query("insert into gpkg_geometry_columns values ($1, 'geom', $2, $3, 0, 0)")
                .bind(&layer.name)
                .bind(t)
                .bind(WGS84)
                .execute(&mut *tx)
                .await?;
        }
        let mut names: Vec<String> = Vec::new();
        if geometry_type.is_some() {
            names.push("geom".into());
        }
        names.extend(layer.columns.iter().map(|c| quoted(c)));
        let places: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "insert into {} ({}) values ({})",
            quoted(&layer.name),
            names.join(", "),
            places.join(", ")
        );
        for f in &layer.features {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            if geometry_type.is_some() {
                q = q.bind(gpkg_blob(&f.geometry));
            }
            for c in &f.cells {
                q = q.bind(match c {
                    Cell::Empty => None,
                    other => Some(other.text()),
                });
            }
            q.execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    db.close().await?;
    Ok(())
}

/// The first feature (or attribute) layer of a GeoPackage, by `gpkg_contents`.
pub async fn read(path: &Path) -> Result<Layer, String> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| e.to_string())?
        .filename(path)
        .read_only(true);
    let mut db = options
        .connect()
        .await
        .map_err(|e| format!("not an SQLite database: {e}"))?;
    let table: Option<(String,)> = sqlx::query_as(
        "select table_name from gpkg_contents where data_type in ('features', 'attributes')
         order by data_type = 'features' desc, table_name limit 1",
    )
    .fetch_optional(&mut db)
    .await
    .map_err(|e| format!("not a GeoPackage (no gpkg_contents table): {e}"))?;
    let Some((table,)) = table else {
        return Err("the GeoPackage holds no feature table".into());
    };
    let geometry: Option<(String,)> =
        sqlx::query_as("select column_name from gpkg_geometry_columns where table_name = $1")
            .bind(&table)
            .fetch_optional(&mut db)
            .await
            .map_err(|e| e.to_string())?;
    let info = sqlx::query(sqlx::AssertSqlSafe(format!(
        "pragma table_info({})",
        quoted(&table)
    )))
    .fetch_all(&mut db)
    .await
    .map_err(|e| e.to_string())?;
    let mut columns = Vec::new();
    let mut fid = None;
    for row in &info {
        let name: String = row.try_get("name").map_err(|e| e.to_string())?;
        let pk: i64 = row.try_get("pk").map_err(|e| e.to_string())?;
        if Some(&name) == geometry.as_ref().map(|g| &g.0) {
            continue;
        }
        if pk == 1 && fid.is_none() {
            fid = Some(name);
            continue;
        }
        columns.push(name);
    }
    let mut select: Vec<String> = columns
        .iter()
        .map(|c| format!("cast({} as text)", quoted(c)))
        .collect();
    if let Some((g,)) = &geometry {
        select.push(quoted(g));
    }
    let order = fid.as_deref().map(quoted).unwrap_or_else(|| "rowid".into());
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {} from {} order by {order}",
        select.join(", "),
        quoted(&table)
    )))
    .fetch_all(&mut db)
    .await
    .map_err(|e| e.to_string())?;
    let mut kind = GeometryKind::None;
    let mut features = Vec::with_capacity(rows.len());
    for (n, row) in rows.iter().enumerate() {
        let cells = (0..columns.len())
            .map(|i| {
                row.try_get::<Option<String>, _>(i)
                    .map(|v| v.filter(|s| !s.is_empty()).map_or(Cell::Empty, Cell::Text))
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let geometry = if geometry.is_some() {
            match row
                .try_get::<Option<Vec<u8>>, _>(columns.len())
                .map_err(|e| e.to_string())?
            {
                Some(blob) => {
                    read_gpkg_blob(&blob).map_err(|e| format!("feature {}: {e}", n + 1))?
                }
                None => Geometry::None,
            }
        } else {
            Geometry::None
        };
        match geometry {
            Geometry::Polygons(_) => kind = GeometryKind::MultiPolygon,
            Geometry::Point(_) if kind == GeometryKind::None => kind = GeometryKind::Point,
            _ => {}
        }
        features.push(Feature { cells, geometry });
    }
    db.close().await.ok();
    Ok(Layer {
        name: table,
        columns,
        geometry_columns: Vec::new(),
        geometry_kind: kind,
        features,
    })
}
