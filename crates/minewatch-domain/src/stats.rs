//! Measurement statistics: how values measured over one period are averaged to a
//! standard's longer one (hourly values to a daily mean, any to an annual mean). The
//! engine compares the averages with the pack's limits; charts and dossiers show the
//! same averages.

use jiff::civil::Date;

/// Whether values averaged over `given` are finer than `target` and so are averaged
/// up to it (`1h` values to a `24h` mean). Periods are the pack's: `20min`, `1h`, `8h`,
/// `24h`, `annual`.
pub fn is_finer(target: &str, given: &str) -> bool {
    match target {
        "24h" | "8h" => matches!(given, "20min" | "1h"),
        "annual" => matches!(given, "20min" | "1h" | "8h" | "24h"),
        _ => false,
    }
}

/// The period a value measured on `date` is averaged into for `target`: its year for
/// an annual mean (as its first day), else its day.
pub fn period(target: &str, date: Date) -> Date {
    if target == "annual" {
        Date::new(date.year(), 1, 1).unwrap_or(date)
    } else {
        date
    }
}

/// The arithmetic mean, `None` for no values.
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Dated values of one place and parameter averaged to `target`: values already at it
/// stay as they are; finer ones become one mean per period, in period order, after
/// them. Coarser or unknown ones are left out: they cannot be compared.
pub fn averages(target: &str, values: &[(Date, &str, f64)]) -> Vec<(Date, f64)> {
    let mut out: Vec<(Date, f64)> = values
        .iter()
        .filter(|(_, a, _)| *a == target)
        .map(|(d, _, v)| (*d, *v))
        .collect();
    let mut finer: Vec<(Date, f64)> = values
        .iter()
        .filter(|(_, a, _)| is_finer(target, a))
        .map(|(d, _, v)| (period(target, *d), *v))
        .collect();
    finer.sort_by_key(|(p, _)| *p);
    for group in finer.chunk_by(|a, b| a.0 == b.0) {
        let m = mean(group.iter().map(|(_, v)| *v)).expect("a group has values");
        out.push((group[0].0, m));
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn finer_values_become_means_of_the_standards_period() {
        let d = date(2025, 3, 4);
        let values = [
            (d, "1h", 10.0),
            (d, "1h", 30.0),
            (date(2025, 3, 5), "20min", 50.0),
            (d, "24h", 7.0),
            (d, "annual", 99.0),
        ];
        assert_eq!(
            averages("24h", &values),
            [(d, 7.0), (d, 20.0), (date(2025, 3, 5), 50.0)]
        );
        assert_eq!(
            averages("annual", &values),
            [(d, 99.0), (date(2025, 1, 1), 24.25)]
        );
        assert!(!is_finer("1h", "24h"));
        assert_eq!(mean([]), None);
    }
}
