//! Which good backups pruning removes: keep the newest N, plus the newest of each of the last
//! D days, W ISO weeks and M months that have one. The newest good backup is always kept.
//! Only good backups are ever passed in, so failed ones neither count nor get removed.

use bosun_frontend::model::Retention;
use time::OffsetDateTime;

/// A good backup: its id and when it started (Unix ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Good {
    pub id: i64,
    pub at_ms: i64,
}

fn date(ms: i64) -> Option<time::Date> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .map(|t| t.date())
}

/// Keeps the newest of each distinct period, for the first `count` periods.
fn keep_per_period<K: PartialEq>(
    good: &[Good],
    count: u32,
    period: impl Fn(time::Date) -> K,
    keep: &mut [bool],
) {
    let mut seen: Vec<K> = Vec::new();
    for (i, g) in good.iter().enumerate() {
        if seen.len() >= count as usize {
            break;
        }
        let Some(d) = date(g.at_ms) else { continue };
        let k = period(d);
        if !seen.contains(&k) {
            seen.push(k);
            keep[i] = true;
        }
    }
}

/// The ids to remove. `good` must be one database's good backups, newest first.
pub fn to_prune(good: &[Good], rules: Retention) -> Vec<i64> {
    if !rules.prunes() || good.is_empty() {
        return Vec::new();
    }
    let mut keep = vec![false; good.len()];
    keep[0] = true;
    for k in keep.iter_mut().take(rules.keep_last as usize) {
        *k = true;
    }
    keep_per_period(good, rules.keep_daily, |d| d, &mut keep);
    keep_per_period(
        good,
        rules.keep_weekly,
        |d| {
            let (y, w, _) = d.to_iso_week_date();
            (y, w)
        },
        &mut keep,
    );
    keep_per_period(
        good,
        rules.keep_monthly,
        |d| (d.year(), d.month()),
        &mut keep,
    );
    good.iter()
        .zip(keep)
        .filter(|(_, k)| !k)
        .map(|(g, _)| g.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    // 2026-11-22 12:00 UTC, a Sunday.
    const NOW: i64 = 1_795_348_800_000;

    /// Two backups a day for 60 days, newest first; ids count down with age.
    fn history() -> Vec<Good> {
        (0..120)
            .map(|i| Good {
                id: 1000 - i,
                at_ms: NOW - i * DAY / 2,
            })
            .collect()
    }

    #[test]
    fn nothing_is_pruned_without_rules() {
        assert!(to_prune(&history(), Retention::default()).is_empty());
    }

    #[test]
    fn keep_last_keeps_exactly_the_newest() {
        let h = history();
        let pruned = to_prune(
            &h,
            Retention {
                keep_last: 3,
                ..Default::default()
            },
        );
        assert_eq!(pruned.len(), h.len() - 3);
        assert!(!pruned.contains(&1000) && !pruned.contains(&998));
        assert!(pruned.contains(&997));
    }

    #[test]
    fn daily_weekly_monthly_keep_the_newest_of_each_period() {
        let h = history();
        let pruned = to_prune(
            &h,
            Retention {
                keep_last: 0,
                keep_daily: 7,
                keep_weekly: 4,
                keep_monthly: 3,
            },
        );
        let kept: Vec<i64> = h
            .iter()
            .map(|g| g.id)
            .filter(|id| !pruned.contains(id))
            .collect();
        // 7 days: the newest of each day (even ids here, the noon backups).
        for day in 0..7 {
            assert!(kept.contains(&(1000 - 2 * day)), "day {day}: {kept:?}");
        }
        assert!(!kept.contains(&999));
        // The whole history spans 3 calendar months: the newest of the oldest month is kept.
        let oldest_month_newest = h
            .iter()
            .find(|g| date(g.at_ms).map(|d| d.month()) == Some(time::Month::September));
        assert!(oldest_month_newest.is_some_and(|g| kept.contains(&g.id)));
        assert!(kept.len() <= 7 + 4 + 3);
    }

    #[test]
    fn the_newest_good_backup_is_never_pruned() {
        let one = [Good { id: 5, at_ms: NOW }];
        let rules = Retention {
            keep_daily: 1,
            ..Default::default()
        };
        assert!(to_prune(&one, rules).is_empty());
    }
}
