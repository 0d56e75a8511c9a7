//! How times are shown on every page.

/// `2026-11-22T07:50:01Z` → `2026-11-22 07:50:01 UTC`.
pub fn short_time(rfc3339: &str) -> String {
    rfc3339.replacen('T', " ", 1).replace('Z', " UTC")
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
    }
}
