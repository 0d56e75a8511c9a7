pub mod engine_banner;
pub mod error_view;
pub mod log_view;
pub mod scale_control;
pub mod shell;
pub mod sparkline;
pub mod sse;
pub mod stack_view;
