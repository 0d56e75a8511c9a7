//! What a terminal is opened with, parsed at the edge: the command (an argument list, never
//! a shell string), the user, and the window size.

use bosun_frontend::error::AppError;
use serde::Deserialize;

/// The query of `GET /api/v1/containers/{id}/terminal`, as sent.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerminalQuery {
    /// A command to run instead of the shell, split into arguments as a shell would split
    /// it (quotes group words) but never run by one. Default: `/bin/bash`, else `/bin/sh`.
    pub cmd: Option<String>,
    /// Who runs it in the container (`user`, `user:group`, `uid` or `uid:gid`). Default: the
    /// container's own user.
    pub user: Option<String>,
    /// Columns of the browser's terminal (1–500, default 80).
    pub cols: Option<String>,
    /// Rows of the browser's terminal (1–300, default 24).
    pub rows: Option<String>,
}

/// A terminal request, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    /// None: the first shell the container has.
    pub command: Option<Vec<String>>,
    pub user: Option<String>,
    pub cols: u16,
    pub rows: u16,
}

const MAX_COMMAND: usize = 4096;

impl TerminalQuery {
    pub fn parse(self) -> Result<OpenRequest, AppError> {
        let command = match self.cmd.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(cmd) if cmd.len() > MAX_COMMAND => {
                return Err(AppError::bad_request(
                    "cmd",
                    format!("The command is longer than {MAX_COMMAND} characters."),
                ));
            }
            Some(cmd) => {
                let argv = shlex::split(cmd).filter(|a| !a.is_empty()).ok_or_else(|| {
                    AppError::bad_request(
                        "cmd",
                        "The command has an unclosed quote. Close it, or leave the command empty for a shell.",
                    )
                })?;
                if argv.iter().any(|a| a.contains('\0')) {
                    return Err(AppError::bad_request(
                        "cmd",
                        "The command holds a NUL byte.",
                    ));
                }
                Some(argv)
            }
        };
        let user = match self.user.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(user) if is_user(user) => Some(user.to_owned()),
            Some(_) => {
                return Err(AppError::bad_request(
                    "user",
                    "A user is a name or number, optionally with a group (`www-data`, `1000:1000`): letters, digits, _, . and -, at most 64.",
                ));
            }
        };
        Ok(OpenRequest {
            command,
            user,
            cols: size("cols", self.cols.as_deref(), 80, 500)?,
            rows: size("rows", self.rows.as_deref(), 24, 300)?,
        })
    }
}

fn is_user(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !p.starts_with('-')
    };
    s.len() <= 64
        && match s.split_once(':') {
            Some((u, g)) => part(u) && part(g),
            None => part(s),
        }
}

fn size(name: &str, raw: Option<&str>, default: u16, max: u16) -> Result<u16, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(default);
    };
    raw.parse::<u16>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            AppError::bad_request(name, format!("{name} is a whole number from 1 to {max}."))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(cmd: Option<&str>, user: Option<&str>) -> TerminalQuery {
        TerminalQuery {
            cmd: cmd.map(str::to_owned),
            user: user.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn a_command_becomes_arguments_and_is_never_a_shell_string() {
        let r = query(Some(r#"psql -c "select 1; drop table x""#), None)
            .parse()
            .unwrap();
        assert_eq!(
            r.command,
            Some(vec![
                "psql".into(),
                "-c".into(),
                "select 1; drop table x".into()
            ])
        );
        assert_eq!((r.cols, r.rows), (80, 24));
        assert_eq!(query(Some("  "), None).parse().unwrap().command, None);
        let e = query(Some("echo 'open"), None).parse().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("cmd"));
    }

    #[test]
    fn users_and_sizes_are_checked() {
        assert_eq!(
            query(None, Some("1000:1000"))
                .parse()
                .unwrap()
                .user
                .as_deref(),
            Some("1000:1000")
        );
        for bad in ["root;id", "-u", "a:b:c", "x y", &"a".repeat(65)] {
            assert!(query(None, Some(bad)).parse().is_err(), "{bad}");
        }
        let sized = TerminalQuery {
            cols: Some("132".into()),
            rows: Some("50".into()),
            ..Default::default()
        };
        assert_eq!(sized.parse().map(|r| (r.cols, r.rows)).unwrap(), (132, 50));
        for (cols, rows) in [("0", "10"), ("501", "10"), ("10", "301"), ("x", "1")] {
            let q = TerminalQuery {
                cols: Some(cols.into()),
                rows: Some(rows.into()),
                ..Default::default()
            };
            assert!(q.parse().is_err(), "{cols}x{rows}");
        }
    }
}
