//! How times are shown on every page.

/// `2026-11-22T07:50:01Z` → `2026-11-22 07:50:01 UTC` (fractions of a second left out).
pub fn short_time(rfc3339: &str) -> String {
    let whole = match rfc3339.split_once('.') {
        Some((head, tail)) => {
            let zone = tail.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{head}{zone}")
        }
        None => rfc3339.to_owned(),
    };
    whole.replacen('T', " ", 1).replace('Z', " UTC")
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(
            short_time("2026-11-22T07:50:01Z"),
            "2026-11-22 07:50:01 UTC"
        );
        assert_eq!(
            short_time("2026-12-04T13:40:01.123456789Z"),
            "2026-12-04 13:40:01 UTC"
        );
    }
}
