//! What certificates there are: files in the watched directories (`scan`, with `planted`
//! warnings), targets the services declare by label (`targets`), what the services serve
//! (`probe`), and the picture the page and the REST API show (`view`, `dto`, `chain`).

pub mod chain;
mod dto;
pub mod ids;
pub mod planted;
pub mod probe;
pub mod scan;
pub mod targets;
pub mod view;
