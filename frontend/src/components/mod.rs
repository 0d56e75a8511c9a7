//! Widgets shared by several pages: the app's frame, error views, live streams, sparklines.
//! A part used by one page only lives in that page's folder under `pages/`.

pub mod chart;
pub mod engine_banner;
pub mod error_view;
pub mod icon;
pub mod json;
pub mod render_once;
pub mod shell;
pub mod sparkline;
pub mod sse;
pub mod theme;
