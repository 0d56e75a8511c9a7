//! What the Logs page's picker offers: every project, service and container, by name. On a
//! large host this is a small part of the overview (no states, ports, links or times), which
//! the page used to load whole for it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogTargets {
    /// By name, each with its services by name.
    pub projects: Vec<TargetProject>,
    /// Containers that belong to no compose project, by name.
    pub other: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetProject {
    pub name: String,
    pub services: Vec<TargetService>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetService {
    pub name: String,
    /// In replica order.
    pub containers: Vec<TargetContainer>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetContainer {
    pub name: String,
    /// Compose's replica number.
    pub number: Option<u32>,
}
