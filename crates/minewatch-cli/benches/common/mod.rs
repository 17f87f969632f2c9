//! What the benchmarks share: made-up licence shapes inside Mongolia.

/// A licence polygon of 16 vertices around a centre inside Mongolia.
pub fn polygon(i: usize) -> serde_json::Value {
    let lon = 88.0 + (i % 100) as f64 * 0.27;
    // Rows of 100 licences, wrapping after 100 rows so every one stays in Mongolia.
    let lat = 42.0 + (i / 100 % 100) as f64 * 0.07;
    let mut ring: Vec<[f64; 2]> = (0..16)
        .map(|k| {
            let a = k as f64 / 16.0 * std::f64::consts::TAU;
            let r = 0.02 + 0.005 * ((k * 7 + i) % 5) as f64;
            let round = |x: f64| (x * 1e6).round() / 1e6;
            [round(lon + r * a.cos()), round(lat + r * a.sin())]
        })
        .collect();
    ring.push(ring[0]);
    serde_json::json!({"type": "Polygon", "coordinates": [ring]})
}
