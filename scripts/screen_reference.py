#!/usr/bin/env python3
"""The independent computation `minewatch screen` is checked against: licences of the
EITI Mongolia map against OCHA's soum boundaries with shapely 2 and geopandas, in the
same equal-area projection (minewatch_domain::geo::MONGOLIA_PROJ).

    python3 scripts/screen_reference.py OUT.csv SOUMS.geojson EITI.json [EITI.json ...]

Writes `licence,zone_code,overlap_m2` for every pair whose shapes share area, and prints
the seconds it took (reading the files included) on stderr. Needs geopandas, shapely,
pyproj and pyogrio (`pip install geopandas`).
"""
import csv
import json
import sys
import time

import geopandas as gpd
import shapely

PROJ = "+proj=aea +lat_0=47 +lon_0=103 +lat_1=43 +lat_2=51 +datum=WGS84 +units=m +no_defs"


def main():
    out, soum_file, licence_files = sys.argv[1], sys.argv[2], sys.argv[3:]
    started = time.perf_counter()
    numbers, shapes = [], []
    for path in licence_files:
        with open(path, encoding="utf-8") as f:
            for item in json.load(f):
                row = item["cordinate"]
                numbers.append(row["LICENSE_NUMBER"])
                shapes.append("MULTIPOLYGON " + row["poly"])
    licences = gpd.GeoDataFrame(
        {"licence": numbers}, geometry=shapely.from_wkt(shapes), crs="EPSG:4326"
    )
    soums = gpd.read_file(soum_file)
    licences = licences.to_crs(PROJ)
    soums = soums.to_crs(PROJ)
    lic = shapely.make_valid(licences.geometry.values)
    zon = shapely.make_valid(soums.geometry.values)
    tree = shapely.STRtree(zon)
    li, zi = tree.query(lic, predicate="intersects")
    areas = shapely.area(shapely.intersection(lic[li], zon[zi]))
    codes = [str(int(float(c))) for c in soums["ADM2_PCODE"]]
    elapsed = time.perf_counter() - started
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["licence", "zone_code", "overlap_m2"])
        for l, z, a in zip(li, zi, areas):
            if a > 0:
                w.writerow([numbers[l], codes[z], repr(float(a))])
    print(f"{elapsed:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
