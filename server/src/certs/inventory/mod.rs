//! What certificates there are: files in the watched directories (`scan`, with `planted`
//! warnings, one scan `shared` by every reader), targets the services declare by label
//! (`targets`, kept inside their mounts by `confine`), what the services serve (`probe`), and
//! the picture the page and the REST API show (`view`, `dto`, `chain`).

pub mod chain;
pub mod confine;
mod dto;
pub mod ids;
pub mod planted;
pub mod probe;
pub mod scan;
pub mod shared;
pub mod targets;
pub mod view;
