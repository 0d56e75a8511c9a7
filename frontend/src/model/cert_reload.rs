//! Reloading the services that use a certificate after a new one is written: what to do
//! (`exec:`, `signal:`, `restart`), for which service, and how it went.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What one reload of a dependent service did after a new certificate was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReloadResult {
    /// `project/service #n (container)`.
    pub container: String,
    /// `exec:nginx -s reload`, `signal:HUP` or `restart`.
    pub how: String,
    pub ok: bool,
    /// What the command printed, or the engine's message (at most 2 KB).
    pub output: String,
    /// After the reload bosun connected to the service's TLS ports: does it serve the new
    /// certificate? `None` when it has no TLS port bosun could reach.
    pub serving_new: Option<bool>,
}

/// A command that makes a service load its new certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub enum ReloadAction {
    /// `exec:<command>`: run it in each container (split on spaces, no shell).
    Exec(Vec<String>),
    /// `signal:<NAME>`, e.g. `signal:HUP`.
    Signal(String),
    /// `restart`: restart each container.
    Restart,
}

impl fmt::Display for ReloadAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadAction::Exec(argv) => write!(f, "exec:{}", argv.join(" ")),
            ReloadAction::Signal(s) => write!(f, "signal:{s}"),
            ReloadAction::Restart => f.write_str("restart"),
        }
    }
}

impl FromStr for ReloadAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "“{}” is not a reload action: use exec:<command> (e.g. exec:nginx -s reload), signal:<NAME> (e.g. signal:HUP) or restart.",
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(60)
                    .collect::<String>()
            )
        };
        if s == "restart" {
            return Ok(ReloadAction::Restart);
        }
        if let Some(cmd) = s.strip_prefix("exec:") {
            let argv: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
            if argv.is_empty() || cmd.len() > 512 || cmd.chars().any(char::is_control) {
                return Err(bad());
            }
            return Ok(ReloadAction::Exec(argv));
        }
        if let Some(sig) = s.strip_prefix("signal:") {
            // Upper case first, so `sighup` and `SIGHUP` both name HUP, and what is shown
            // (`signal:HUP`) reads back as the same signal.
            let sig = sig.trim().to_ascii_uppercase();
            let sig = sig.trim_start_matches("SIG").to_owned();
            let ok =
                !sig.is_empty() && sig.len() <= 8 && sig.chars().all(|c| c.is_ascii_alphanumeric());
            return if ok {
                Ok(ReloadAction::Signal(sig))
            } else {
                Err(bad())
            };
        }
        Err(bad())
    }
}

impl TryFrom<String> for ReloadAction {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<ReloadAction> for String {
    fn from(a: ReloadAction) -> String {
        a.to_string()
    }
}

/// A service to reload after a renewal, given with the renewal (besides those bosun finds:
/// services labelled `bosun.cert.reload` that mount the certificate's directory).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReloadTarget {
    pub project: String,
    pub service: String,
    pub action: ReloadAction,
}

impl fmt::Display for ReloadTarget {
    /// One line of the page's reload list: `project/service action`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} {}", self.project, self.service, self.action)
    }
}

impl FromStr for ReloadTarget {
    type Err = String;
    /// `project/service action`, e.g. `shop/proxy exec:nginx -s reload` or `shop/app restart`.
    fn from_str(line: &str) -> Result<Self, String> {
        let line = line.trim();
        let shown: String = line.chars().filter(|c| !c.is_control()).take(60).collect();
        let (who, action) = line.split_once(char::is_whitespace).ok_or_else(|| {
            format!("“{shown}”: write project/service and then what to do, e.g. shop/proxy exec:nginx -s reload")
        })?;
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 128
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match who.split_once('/') {
            Some((project, service)) if name_ok(project) && name_ok(service) => Ok(ReloadTarget {
                project: project.to_owned(),
                service: service.to_owned(),
                action: action.parse()?,
            }),
            _ => Err(format!(
                "“{shown}”: start with the compose project and service, e.g. shop/proxy"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_lines_round_trip_and_say_what_is_wrong() {
        let t: ReloadTarget = "  shop/proxy   exec:nginx -s reload ".parse().unwrap();
        assert_eq!(t.project, "shop");
        assert_eq!(t.service, "proxy");
        assert_eq!(t.to_string(), "shop/proxy exec:nginx -s reload");
        assert_eq!(t.to_string().parse::<ReloadTarget>().unwrap(), t);
        assert_eq!(
            "a_b/c-d.1 restart".parse::<ReloadTarget>().unwrap().action,
            ReloadAction::Restart
        );
        for (bad, needle) in [
            ("shop/proxy", "then what to do"),
            ("proxy restart", "project and service"),
            ("shop/ restart", "project and service"),
            ("../x/y restart", "project and service"),
            ("shop/proxy reboot", "not a reload action"),
        ] {
            let e = bad.parse::<ReloadTarget>().unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn reload_actions_round_trip_and_refuse_junk() {
        let a: ReloadAction = "exec:nginx -s reload".parse().unwrap();
        assert_eq!(
            a,
            ReloadAction::Exec(vec!["nginx".into(), "-s".into(), "reload".into()])
        );
        assert_eq!(a.to_string(), "exec:nginx -s reload");
        assert_eq!(
            "signal:SIGHUP".parse::<ReloadAction>().unwrap(),
            ReloadAction::Signal("HUP".into())
        );
        assert_eq!(
            "signal: sighup".parse::<ReloadAction>().unwrap(),
            ReloadAction::Signal("HUP".into())
        );
        assert_eq!(
            "restart".parse::<ReloadAction>().unwrap(),
            ReloadAction::Restart
        );
        // Found by the labels fuzz target: a lower-case `sig` was kept as the name SIG,
        // shown as `signal:SIG`, which did not read back.
        for odd in ["signal:sigSIGusr1", "exec:nginx   -s  reload"] {
            let a = odd.parse::<ReloadAction>().unwrap();
            assert_eq!(a.to_string().parse::<ReloadAction>(), Ok(a), "{odd:?}");
        }
        for bad in [
            "",
            "exec:",
            "exec:   ",
            "signal:",
            "signal: sig",
            "signal:H U P",
            "reboot",
            "exec:a\nb",
        ] {
            assert!(bad.parse::<ReloadAction>().is_err(), "{bad:?}");
        }
    }
}
