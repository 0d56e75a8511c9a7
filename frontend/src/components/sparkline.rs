//! A small SVG line chart of the last minutes, drawn in the page.

use leptos::prelude::*;

const W: f32 = 120.0;
const H: f32 = 28.0;

/// `values` oldest first, scaled to `max` (or to their own peak when `max` is 0).
/// `capacity` is how many samples a full chart holds, so a young series starts at the right.
pub fn points(values: &[f32], max: f32, capacity: usize) -> String {
    let peak = if max > 0.0 {
        max
    } else {
        values.iter().copied().fold(0.0, f32::max).max(f32::EPSILON)
    };
    let step = W / (capacity.max(2) - 1) as f32;
    let offset = capacity.saturating_sub(values.len()) as f32 * step;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = offset + i as f32 * step;
            let y = H - (v / peak).clamp(0.0, 1.0) * (H - 2.0) - 1.0;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn Sparkline(
    values: Vec<f32>,
    #[prop(default = 0.0)] max: f32,
    capacity: usize,
    label: String,
    class: &'static str,
    /// The hover tooltip; the label when none is given.
    #[prop(optional)]
    tip: Option<String>,
) -> impl IntoView {
    let tip = tip.unwrap_or_else(|| label.clone());
    let line = points(&values, max, capacity);
    let area = (!values.is_empty()).then(|| {
        let first_x = line.split(',').next().unwrap_or("0").to_owned();
        format!("{first_x},{H} {line} {W},{H}")
    });
    view! {
        <svg class=format!("sparkline {class}") viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=label>
            <title>{tip}</title>
            {area.map(|a| view! { <polygon class="area" points=a /> })}
            <polyline class="line" points=line />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::points;

    #[test]
    fn a_young_series_is_right_aligned_and_scaled() {
        let p = points(&[0.0, 50.0], 100.0, 3);
        // Three slots of 60 px: the two samples sit in the last two.
        assert_eq!(p, "60.0,27.0 120.0,14.0");
    }

    #[test]
    fn without_a_max_the_peak_fills_the_height() {
        assert_eq!(points(&[2.0], 0.0, 2), "120.0,1.0");
        assert_eq!(points(&[], 0.0, 10), "");
    }
}
