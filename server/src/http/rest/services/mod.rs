//! The Services feature over REST: compose projects and their services (`/api/v1/projects…`),
//! the live overview (`/api/v1/overview…`), container actions (`/api/v1/containers/{id}/…`)
//! and live stats (`/api/v1/stats…`). The paths name the resources; the room is one.

pub mod containers;
pub mod overview;
pub mod projects;
pub mod stats;
