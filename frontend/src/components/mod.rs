pub mod engine_banner;
pub mod error_view;
pub mod shell;
