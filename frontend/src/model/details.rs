//! One container in full (`GET /api/v1/containers/{id}/details`): what it runs, with what,
//! where its data and networks are, its limits and its health-check history. Values of
//! variables that look like secrets are never in it; an admin may reveal one, audited.

use serde::{Deserialize, Serialize};

/// One environment variable. `value` is None when it looks like a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub secret: bool,
}

/// Whether a variable's value is kept out of every answer: its name says password, secret,
/// token, key, credential or private, or it names a file holding one (`*_FILE`).
pub fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE"]
        .iter()
        .any(|w| upper.contains(w))
        || upper.ends_with("_FILE")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MountDetail {
    /// `bind`, `volume`, `tmpfs`, …
    pub kind: String,
    /// The host path, or the volume's name.
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NetworkDetail {
    pub name: String,
    pub address: Option<String>,
    pub aliases: Vec<String>,
}

/// One run of the health check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthProbe {
    pub exit_code: Option<i64>,
    pub output: String,
    pub at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthDetail {
    /// The check's command.
    pub test: Vec<String>,
    pub status: Option<String>,
    pub failing_streak: Option<i64>,
    /// The last results, newest last.
    pub log: Vec<HealthProbe>,
}

/// A label, in its group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LabelDto {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LabelGroups {
    /// `com.docker.compose.*`
    pub compose: Vec<LabelDto>,
    /// `bosun.*`
    pub bosun: Vec<LabelDto>,
    pub other: Vec<LabelDto>,
}

impl LabelGroups {
    pub fn add(&mut self, key: String, value: String) {
        let group = if key.starts_with("com.docker.compose.") {
            &mut self.compose
        } else if key.starts_with("bosun.") {
            &mut self.bosun
        } else {
            &mut self.other
        };
        group.push(LabelDto { key, value });
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerDetails {
    pub id: String,
    pub name: String,
    pub project: Option<String>,
    pub service: Option<String>,
    pub state: String,
    /// The reference its configuration names, the image id, and its registry digests.
    pub image: String,
    pub image_id: String,
    pub repo_digests: Vec<String>,
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub env: Vec<EnvVar>,
    pub mounts: Vec<MountDetail>,
    pub networks: Vec<NetworkDetail>,
    /// `127.0.0.1:8080 → 80/tcp`, or `80/tcp` when not published.
    pub ports: Vec<String>,
    pub labels: LabelGroups,
    pub restart_policy: Option<String>,
    pub memory_limit: Option<i64>,
    pub cpus: Option<f64>,
    pub pids_limit: Option<i64>,
    pub health: Option<HealthDetail>,
    pub created: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: i64,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
}

/// One compose file of a project, as bosun could read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ComposeFile {
    /// The path compose recorded (on the Docker host).
    pub path: String,
    /// The file, with the values of secret-looking keys replaced by `••••••`.
    pub content: Option<String>,
    /// Why it could not be read, and what to do.
    pub error: Option<String>,
}

/// A project's compose files (`GET /api/v1/projects/{p}/compose`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ComposeFiles {
    pub project: String,
    pub working_dir: Option<String>,
    pub files: Vec<ComposeFile>,
}

/// A hidden variable's value, revealed to an admin (`POST …/env/{name}/reveal`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevealedVar {
    pub name: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names_are_masked_and_plain_ones_are_not() {
        for name in [
            "POSTGRES_PASSWORD",
            "db_pass",
            "API_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SSH_PRIVATE",
            "GIT_CREDENTIALS",
            "POSTGRES_PASSWORD_FILE",
            "CONFIG_FILE",
        ] {
            assert!(is_secret(name), "{name}");
        }
        for name in ["PATH", "LANG", "POSTGRES_DB", "TZ", "MODE"] {
            assert!(!is_secret(name), "{name}");
        }
    }

    #[test]
    fn labels_are_grouped_by_whose_they_are() {
        let mut g = LabelGroups::default();
        g.add("com.docker.compose.service".into(), "web".into());
        g.add("bosun.link.url".into(), "x".into());
        g.add("team".into(), "ops".into());
        assert_eq!((g.compose.len(), g.bosun.len(), g.other.len()), (1, 1, 1));
    }
}
