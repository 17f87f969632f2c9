#!/usr/bin/env python3
"""The independent computation `minewatch import water` is checked against: zones of
WIDTH metres around Natural Earth's rivers (lines) and lakes (polygons) drawn with
shapely 2's buffer in the same equal-area projection (minewatch_domain::geo::MONGOLIA_PROJ),
then overlaid with the licences of the EITI Mongolia map.

    python3 scripts/water_reference.py OUT.csv WIDTH WATER.geojson [...] -- EITI.json [...]

Writes `licence,zone_name,overlap_m2` for every licence–zone pair whose shapes share
area, and a row with no licence and the zone's own area for every zone; zones are named
as minewatch names them (`Orhon гол: 200 м`). Round
ends and bends use 256 segments per quarter circle, so arcs are within millimetres of
true. Needs geopandas, shapely and pyproj.
"""
import csv
import json
import sys

import geopandas as gpd
import shapely

PROJ = "+proj=aea +lat_0=47 +lon_0=103 +lat_1=43 +lat_2=51 +datum=WGS84 +units=m +no_defs"
NAME_KEYS = ["name_mn", "name:mn", "name", "NAME", "name_en", "name_alt"]
WORDS = {"river": "гол", "lake": "нуур", "spring": "булаг"}


def kind(geometry_type):
    if "LineString" in geometry_type:
        return "river"
    if "Polygon" in geometry_type:
        return "lake"
    return "spring"


def main():
    split = sys.argv.index("--")
    out, width = sys.argv[1], float(sys.argv[2])
    water_files, licence_files = sys.argv[3:split], sys.argv[split + 1:]
    shown = f"{width:.0f}" if width == int(width) else f"{width}"
    names, shapes = [], []
    for path in water_files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for n, feature in enumerate(doc["features"], start=1):
            props = feature.get("properties") or {}
            name = next((str(props[k]).strip() for k in NAME_KEYS
                         if isinstance(props.get(k), str) and props[k].strip()), None)
            word = WORDS[kind(feature["geometry"]["type"])]
            names.append(f"{name} {word}: {shown} м" if name else f"Нэргүй {word} №{n}: {shown} м")
            shapes.append(shapely.geometry.shape(feature["geometry"]))
    water = gpd.GeoDataFrame({"name": names}, geometry=shapes, crs="EPSG:4326").to_crs(PROJ)
    zones = shapely.buffer(water.geometry.values, width, quad_segs=256)
    numbers, licences = [], []
    for path in licence_files:
        with open(path, encoding="utf-8") as f:
            for item in json.load(f):
                row = item["cordinate"]
                numbers.append(row["LICENSE_NUMBER"])
                licences.append("MULTIPOLYGON " + row["poly"])
    lic = gpd.GeoDataFrame({"licence": numbers}, geometry=shapely.from_wkt(licences),
                           crs="EPSG:4326").to_crs(PROJ)
    lic = shapely.make_valid(lic.geometry.values)
    tree = shapely.STRtree(zones)
    li, zi = tree.query(lic, predicate="intersects")
    areas = shapely.area(shapely.intersection(lic[li], zones[zi]))
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["licence", "zone_name", "overlap_m2"])
        for name, zone in zip(names, zones):
            w.writerow(["", name, repr(float(zone.area))])
        for l, z, a in zip(li, zi, areas):
            if a > 0:
                w.writerow([numbers[l], names[z], repr(float(a))])


if __name__ == "__main__":
    main()
