//! Names that arrive in paths and forms, validated once at the edge.
//! Compose project and service names, and container ids or names, share one safe alphabet:
//! a letter or digit first, then letters, digits, `_`, `.` or `-`, at most 128 characters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{value}” is not a valid {what}: use letters, digits, “_”, “.” or “-”, starting with a letter or digit (at most 128 characters)."
)]
pub struct NameError {
    pub what: &'static str,
    pub value: String,
}

/// At most a short, printable prefix of what was sent, to echo in an error.
pub(crate) fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(40).collect()
}

fn check(what: &'static str, value: &str) -> Result<(), NameError> {
    let mut chars = value.chars();
    let ok = value.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(NameError {
            what,
            value: shown(value),
        })
    }
}

/// A validated name type: its checks at the edge, serde through `String`, and the usual
/// conversions. Used for the compose names here and the runbook's names.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:path, $error:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, $error> {
                $check($what, &value)?;
                Ok($name(value))
            }
        }

        impl FromStr for $name {
            type Err = $error;
            fn from_str(s: &str) -> Result<Self, $error> {
                Self::try_from(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use name_type;

name_type!(
    /// A compose project name (`com.docker.compose.project`).
    ProjectName,
    "project name",
    check,
    NameError
);
name_type!(
    /// A compose service name (`com.docker.compose.service`).
    ServiceName,
    "service name",
    check,
    NameError
);
name_type!(
    /// A Swarm service id or name.
    SwarmServiceRef,
    "Swarm service id or name",
    check,
    NameError
);
name_type!(
    /// A container id (full or a unique prefix) or a container name.
    ContainerRef,
    "container id or name",
    check,
    NameError
);

/// What a lifecycle button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ContainerAction {
    Start,
    Stop,
    Restart,
}

impl ContainerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerAction::Start => "start",
            ContainerAction::Stop => "stop",
            ContainerAction::Restart => "restart",
        }
    }

    /// The progressive form shown while it runs: "stopping".
    pub fn doing(self) -> &'static str {
        match self {
            ContainerAction::Start => "starting",
            ContainerAction::Stop => "stopping",
            ContainerAction::Restart => "restarting",
        }
    }
}

impl ContainerAction {
    /// The past form for results: "Stopped".
    pub fn done(self) -> &'static str {
        match self {
            ContainerAction::Start => "Started",
            ContainerAction::Stop => "Stopped",
            ContainerAction::Restart => "Restarted",
        }
    }
}

impl fmt::Display for ContainerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not an action: use start, stop or restart.")]
pub struct ActionError(pub String);

impl FromStr for ContainerAction {
    type Err = ActionError;
    fn from_str(s: &str) -> Result<Self, ActionError> {
        match s {
            "start" => Ok(ContainerAction::Start),
            "stop" => Ok(ContainerAction::Stop),
            "restart" => Ok(ContainerAction::Restart),
            other => Err(ActionError(other.chars().take(40).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_compose_v1_and_v2_forms() {
        for ok in [
            "demo", "my_app", "my-app", "App.2", "0abc", "web_1", "web-1",
        ] {
            assert!(ok.parse::<ProjectName>().is_ok(), "{ok}");
            assert!(ok.parse::<ContainerRef>().is_ok(), "{ok}");
        }
    }

    #[test]
    fn names_refuse_paths_and_markup() {
        for bad in [
            "",
            "-x",
            ".hidden",
            "a/b",
            "../etc",
            "a b",
            "<script>",
            "x;rm",
            &"a".repeat(129),
        ] {
            let e = bad.parse::<ServiceName>().err();
            assert!(e.is_some(), "{bad}");
            assert!(
                e.map(|e| e.to_string())
                    .unwrap_or_default()
                    .contains("service name")
            );
        }
    }

    #[test]
    fn actions_parse_and_say_what_is_allowed() {
        assert_eq!("stop".parse(), Ok(ContainerAction::Stop));
        let e = "kill"
            .parse::<ContainerAction>()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("“kill” is not an action: use start, stop or restart.")
        );
    }
}
