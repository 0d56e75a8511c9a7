//! A line chart people can read: a scale with its top value, the time at both ends, the
//! latest, peak and average figures beside it, and a readout that follows the pointer.

use leptos::prelude::*;

const W: f64 = 600.0;
const H: f64 = 120.0;

/// One series: (Unix seconds, value), oldest first, drawn between `from` and `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub points: Vec<(i64, f64)>,
    pub from: i64,
    pub to: i64,
}

impl Series {
    /// The top of the scale: the peak rounded up to a readable step (never 0).
    pub fn top(&self) -> f64 {
        let peak = self.points.iter().map(|p| p.1).fold(0.0, f64::max);
        nice_ceiling(peak)
    }

    /// The polyline's points in the chart's 600×120 box.
    pub fn path(&self) -> String {
        let span = (self.to - self.from).max(1) as f64;
        let top = self.top();
        self.points
            .iter()
            .map(|(t, v)| {
                let x = (*t - self.from) as f64 / span * W;
                let y = H - (v / top).clamp(0.0, 1.0) * (H - 2.0) - 1.0;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The sample nearest to a point `fraction` (0–1) of the way across.
    pub fn nearest(&self, fraction: f64) -> Option<(i64, f64)> {
        let t = self.from as f64 + fraction.clamp(0.0, 1.0) * (self.to - self.from) as f64;
        self.points
            .iter()
            .min_by(|a, b| (a.0 as f64 - t).abs().total_cmp(&(b.0 as f64 - t).abs()))
            .copied()
    }
}

/// 0.7 → 1, 3.2 → 5, 42 → 50, 130 → 200, 1.3e9 → 2e9.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= v)
        .unwrap_or(10.0 * magnitude)
}

/// "14:05", in the browser's time zone (UTC on the server).
pub fn clock(secs: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = leptos::web_sys::js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(
            secs as f64 * 1000.0,
        ));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let day = secs.rem_euclid(86_400);
        format!("{:02}:{:02}", day / 3600, day % 3600 / 60)
    }
}

#[component]
pub fn LineChart(
    series: Series,
    /// What is measured, for the label ("CPU of shop/web").
    label: String,
    class: &'static str,
    /// How a value reads: "12.5 %", "340 MiB".
    show: fn(f64) -> String,
) -> impl IntoView {
    let readout = RwSignal::new(None::<(i64, f64)>);
    let latest = series.points.last().map(|p| p.1);
    let peak = series.points.iter().map(|p| p.1).fold(0.0, f64::max);
    let average = (!series.points.is_empty())
        .then(|| series.points.iter().map(|p| p.1).sum::<f64>() / series.points.len() as f64);
    let summary = format!(
        "{label}: now {}, peak {}, average {}",
        latest.map_or("–".into(), show),
        show(peak),
        average.map_or("–".into(), show)
    );
    let tip = summary.clone();
    let first_at = series
        .points
        .first()
        .map(|p| p.0.to_string())
        .unwrap_or_default();
    let count = series.points.len().to_string();
    let top = show(series.top());
    let (from, to) = (clock(series.from), clock(series.to));
    let path = series.path();
    let hover = series.clone();
    view! {
        <figure class=format!("chart {class}") data-samples=count data-first-at=first_at>
            <figcaption class="chart-head">
                <strong>{label.clone()}</strong>
                <span class="muted">{format!(" now {} · peak {} · avg {}", latest.map_or("–".into(), show), show(peak), average.map_or("–".into(), show))}</span>
            </figcaption>
            <div class="chart-body">
                <span class="chart-top muted" aria-hidden="true">{top}</span>
                <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=summary.clone()
                    on:pointermove=move |ev| {
                        let width = f64::from(event_target::<leptos::web_sys::Element>(&ev).client_width().max(1));
                        readout.set(hover.nearest(f64::from(ev.offset_x()) / width));
                    }
                    on:pointerleave=move |_| readout.set(None)>
                    <title>{tip}</title>
                    <line class="grid" x1="0" y1="1" x2=W y2="1" />
                    <line class="grid" x1="0" y1=H / 2.0 x2=W y2=H / 2.0 />
                    <polyline class="line" points=path />
                </svg>
            </div>
            <div class="chart-axis muted" aria-hidden="true"><span>{from}</span><span>{to}</span></div>
            <p class="chart-readout" data-testid="chart-readout">
                {move || readout.get().map(|(t, v)| format!("{}: {}", clock(t), show(v)))}
            </p>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_tops_at_a_readable_value() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(42.0), 50.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
    }

    #[test]
    fn points_sit_at_their_time_and_the_pointer_finds_the_nearest() {
        let s = Series {
            points: vec![(100, 0.0), (200, 5.0)],
            from: 0,
            to: 200,
        };
        assert_eq!(s.path(), "300.0,119.0 600.0,1.0");
        assert_eq!(s.nearest(0.9), Some((200, 5.0)));
        assert_eq!(s.nearest(0.0), Some((100, 0.0)));
        assert_eq!(clock(3600 * 14 + 5 * 60), "14:05");
    }
}
