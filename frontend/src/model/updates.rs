//! Image updates: whether a service's image has a newer build in its registry, the runs that
//! pull it and recreate the service behind a health gate (rolling back by themselves when the
//! gate fails), and rolling back by hand to the image a service ran before.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the last check found for a service's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// The registry has the build the service runs.
    Current,
    /// The registry has a newer build under the same reference.
    Available,
    /// Built on this host (no registry digest): shown, never checked, never an error.
    LocalBuild,
    /// Referenced by digest (`name@sha256:…`): it cannot change, so it is not checked.
    Pinned,
    /// Left out with the label `bosun.update=false`.
    Excluded,
    /// The registry could not be asked; `reason` says why.
    Failed,
    /// Not checked yet.
    Unchecked,
}

impl CheckState {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Current => "current",
            CheckState::Available => "available",
            CheckState::LocalBuild => "local_build",
            CheckState::Pinned => "pinned",
            CheckState::Excluded => "excluded",
            CheckState::Failed => "failed",
            CheckState::Unchecked => "unchecked",
        }
    }

    pub const ALL: [CheckState; 7] = [
        CheckState::Current,
        CheckState::Available,
        CheckState::LocalBuild,
        CheckState::Pinned,
        CheckState::Excluded,
        CheckState::Failed,
        CheckState::Unchecked,
    ];
}

impl FromStr for CheckState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckState::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown check state {s:?}"))
    }
}

/// One service's image as the last check saw it (`GET /api/v1/updates`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImageUpdateDto {
    /// Empty for a Swarm service.
    pub project: String,
    pub service: String,
    /// The image reference the service runs, as its compose file names it.
    pub image: String,
    pub state: CheckState,
    /// The registry digest of the build the service runs (`sha256:…`), when it has one.
    pub current_digest: Option<String>,
    /// The registry's digest for the same reference, when it was asked.
    pub available_digest: Option<String>,
    /// When the available build was made, when the registry says so (RFC 3339).
    pub built_at: Option<String>,
    /// When the registry was last asked (RFC 3339).
    pub checked_at: Option<String>,
    /// Why the check failed, or what the state means.
    pub reason: Option<String>,
    /// The image id (for a Swarm service, the digest) a rollback would go back to.
    pub rollback_to: Option<String>,
    /// A Swarm service (updated by Swarm itself, which rolls back on failure).
    #[serde(default)]
    pub swarm: bool,
}

/// What a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    /// Pull the reference and recreate the service on the new build.
    Update,
    /// Recreate the service on the image it ran before the last update.
    Rollback,
}

impl UpdateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::Update => "update",
            UpdateKind::Rollback => "rollback",
        }
    }
}

impl FromStr for UpdateKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "update" => Ok(UpdateKind::Update),
            "rollback" => Ok(UpdateKind::Rollback),
            _ => Err(format!("unknown update kind {s:?}")),
        }
    }
}

/// How a run stands or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    Running,
    /// Every container runs the new image and passed the health gate.
    Succeeded,
    /// A new container failed (to be created, to start, or the gate): every container is back
    /// on the image it ran before, under its own name.
    RolledBack,
    /// Nothing changed (the pull failed, or there was nothing to update).
    Failed,
    /// bosun stopped while it ran; at start-up the service was put back on one known image.
    Interrupted,
}

impl UpdateStatus {
    pub const ALL: [UpdateStatus; 5] = [
        UpdateStatus::Running,
        UpdateStatus::Succeeded,
        UpdateStatus::RolledBack,
        UpdateStatus::Failed,
        UpdateStatus::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Running => "running",
            UpdateStatus::Succeeded => "succeeded",
            UpdateStatus::RolledBack => "rolled_back",
            UpdateStatus::Failed => "failed",
            UpdateStatus::Interrupted => "interrupted",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            UpdateStatus::Running => "running",
            UpdateStatus::Succeeded => "updated",
            UpdateStatus::RolledBack => "rolled back",
            UpdateStatus::Failed => "failed, nothing changed",
            UpdateStatus::Interrupted => "interrupted",
        }
    }
}

impl FromStr for UpdateStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UpdateStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown update status {s:?}"))
    }
}

impl fmt::Display for UpdateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An image as a run saw it: its id on this host and, when it came from a registry, its digest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImageRef {
    pub id: String,
    pub digest: Option<String>,
}

/// Bytes and layers of a pull, as the engine reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PullProgress {
    pub layers: u32,
    pub layers_done: u32,
    pub bytes: u64,
    pub total_bytes: u64,
    /// Bytes per second since the pull began.
    pub rate: u64,
}

/// One run (`GET /api/v1/update-runs/{id}`), and each event of its stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateRunDto {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub kind: UpdateKind,
    /// The reference pulled (or rolled back under).
    pub image: String,
    pub status: UpdateStatus,
    pub from: ImageRef,
    /// Known once pulled (an update) or from the start (a rollback).
    pub to: Option<ImageRef>,
    /// What was done, in order: "pulled …", "demo_web_1: new container healthy", …
    pub steps: Vec<String>,
    /// The pull while it runs.
    pub pull: Option<PullProgress>,
    /// Why it was rolled back, failed or interrupted.
    pub reason: Option<String>,
    /// The last lines a failed new container wrote, for the reason.
    pub logs: Option<String>,
    /// How long the service had no running container (fixed host ports only), in ms.
    pub downtime_ms: Option<u64>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub by: String,
}

impl UpdateRunDto {
    pub fn finished(&self) -> bool {
        self.status != UpdateStatus::Running
    }
}

/// `POST …/update` and `…/rollback` answer 202 with the run's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateStarted {
    pub id: i64,
}

/// What the service card shows: the check, and the latest run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceUpdate {
    pub check: ImageUpdateDto,
    pub last_run: Option<UpdateRunDto>,
}

/// The first 12 hex digits of a digest or image id, as people compare them.
pub fn short_digest(digest: &str) -> String {
    let hex = digest.rsplit(':').next().unwrap_or(digest);
    hex.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_statuses_read_as_the_api_writes_them() {
        for s in CheckState::ALL {
            assert_eq!(s.as_str().parse::<CheckState>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in UpdateStatus::ALL {
            assert_eq!(s.as_str().parse::<UpdateStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("done".parse::<UpdateStatus>().is_err());
    }

    #[test]
    fn digests_are_shortened_after_their_algorithm() {
        assert_eq!(short_digest("sha256:0123456789abcdef0123"), "0123456789ab");
        assert_eq!(short_digest("abc"), "abc");
    }
}
