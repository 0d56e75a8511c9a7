//! Days left of every certificate as bars on one scale, with the warning and critical windows
//! shaded: how close each one is, at a glance.

use leptos::prelude::*;

use super::ctx::CertsCtx;

const MAX_ROWS: usize = 40;

/// The scale in days: a little past the longest bar, at least twice the warning window.
pub fn scale_days(days: &[i64], warn: u32) -> i64 {
    let longest = days.iter().copied().max().unwrap_or(0);
    longest.clamp(i64::from(warn) * 2, 400).max(1)
}

/// The bar's width in percent of the chart, 0 to 100.
pub fn width(days_left: i64, scale: i64) -> f64 {
    (days_left.max(0) as f64 / scale.max(1) as f64 * 100.0).clamp(0.0, 100.0)
}

#[component]
pub fn Timeline() -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    view! {
        {move || c.data.with(|d| {
            let certs: Vec<_> = d.certs.iter().filter(|x| x.problem.is_none()).take(MAX_ROWS).collect();
            if certs.is_empty() {
                return ().into_any();
            }
            let days: Vec<i64> = certs.iter().map(|x| x.days_left).collect();
            let scale = scale_days(&days, d.warn_days);
            // The windows as the track's background: critical, then warning, then clear.
            let zones = format!(
                "--critical: {:.2}%; --warn: {:.2}%",
                width(i64::from(d.critical_days), scale),
                width(i64::from(d.warn_days), scale)
            );
            view! {
                <figure class="card cert-timeline" data-testid="cert-timeline" role="img"
                    aria-label=format!("Days left per certificate, on a scale of 0 to {scale} days")>
                    <figcaption class="muted">
                        {format!("Days left (0 to {scale}). Shaded: the last {} days (warning) and {} days (critical).", d.warn_days, d.critical_days)}
                    </figcaption>
                    {certs.iter().map(|x| view! {
                        <div class="tl-row" title=format!("{}: {} days left", x.title, x.days_left)>
                            <span class="tl-label">{x.title.clone()}</span>
                            <span class="tl-track" style=zones.clone()>
                                <span class=format!("tl-bar urgency-{}", x.urgency.as_str())
                                    style=format!("width: {:.2}%", width(x.days_left, scale).max(0.8))></span>
                            </span>
                            <span class=format!("tl-days urgency-text-{}", x.urgency.as_str())>{format!("{} d", x.days_left)}</span>
                        </div>
                    }).collect_view()}
                </figure>
            }.into_any()
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fit_the_scale() {
        assert_eq!(scale_days(&[5, 80], 30), 80);
        assert_eq!(
            scale_days(&[5], 30),
            60,
            "at least twice the warning window"
        );
        assert_eq!(
            scale_days(&[3650], 30),
            400,
            "a ten-year root does not squash the rest"
        );
        assert_eq!(width(-3, 60), 0.0);
        assert_eq!(width(30, 60), 50.0);
        assert_eq!(width(900, 60), 100.0);
    }
}
