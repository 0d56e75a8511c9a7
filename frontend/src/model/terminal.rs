//! The browser terminal: who may open one (`BOSUN_TERMINAL`), and what the page is told.

use serde::{Deserialize, Serialize};

use super::Role;

/// Who may open a terminal in a container: nobody, admins (the default), or operators too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TerminalPolicy {
    Off,
    Admin,
    Operator,
}

impl TerminalPolicy {
    /// The least role that may open one; None when terminals are off.
    pub fn least_role(self) -> Option<Role> {
        match self {
            TerminalPolicy::Off => None,
            TerminalPolicy::Admin => Some(Role::Admin),
            TerminalPolicy::Operator => Some(Role::Operator),
        }
    }

    /// Why `role` may not open one; None when it may.
    pub fn refusal(self, role: Role) -> Option<String> {
        match self.least_role() {
            None => Some(
                "Terminals are switched off on this bosun (BOSUN_TERMINAL=off). An admin of the host can switch them on."
                    .to_owned(),
            ),
            Some(least) if !role.allows(least) => Some(format!(
                "Terminals are open to the {least} role and above on this bosun (BOSUN_TERMINAL={self}); you have the {role} role. Ask an admin if you need one."
            )),
            Some(_) => None,
        }
    }
}

impl std::fmt::Display for TerminalPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TerminalPolicy::Off => "off",
            TerminalPolicy::Admin => "admin",
            TerminalPolicy::Operator => "operator",
        })
    }
}

impl std::str::FromStr for TerminalPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(TerminalPolicy::Off),
            "admin" => Ok(TerminalPolicy::Admin),
            "operator" => Ok(TerminalPolicy::Operator),
            other => Err(format!(
                "{other:?} is not a terminal setting: use off, admin or operator"
            )),
        }
    }
}

/// Whether the caller may open a terminal, and the reason when not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalAccess {
    pub allowed: bool,
    pub refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_decides_which_roles_may_open_a_terminal() {
        let admin: TerminalPolicy = "admin".parse().unwrap();
        assert_eq!(admin.refusal(Role::Admin), None);
        assert!(
            admin
                .refusal(Role::Operator)
                .unwrap()
                .contains("BOSUN_TERMINAL=admin")
        );
        assert!(admin.refusal(Role::Viewer).is_some());
        let operator: TerminalPolicy = "Operator".parse().unwrap();
        assert_eq!(operator.refusal(Role::Operator), None);
        assert!(operator.refusal(Role::Viewer).is_some());
        let off: TerminalPolicy = "off".parse().unwrap();
        assert!(off.refusal(Role::Admin).unwrap().contains("switched off"));
        assert!("root".parse::<TerminalPolicy>().is_err());
    }
}
