//! A task's declaration, parsed once: from `bosun.task.NAME.FIELD` labels or from the same
//! fields kept in bosun. Anything unusable (bad JSON, an unknown field, a bad pattern or mode)
//! is a reason in words, shown on the service card; such a task never runs.

use std::collections::BTreeMap;
use std::time::Duration;

use bosun_frontend::model::task_params::placeholder;
use bosun_frontend::model::{ParamDto, ParamName, Role, TaskMode, TaskName};
use regex::{Regex, RegexBuilder};

/// Label keys of tasks start with this.
pub const PREFIX: &str = "bosun.task.";
/// How long a task may run unless it says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);
const FIELDS: &str =
    "command, title, description, mode, role, confirm, user, workdir, timeout, param.NAME";

/// A parameter: its name, and its pattern anchored to match the whole value.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: ParamName,
    pub pattern: String,
    pub regex: Regex,
}

/// A usable task.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    pub name: TaskName,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The argument list, `{PARAM}` where parameters go.
    pub command: Vec<String>,
    pub params: Vec<Param>,
    pub mode: TaskMode,
    pub role: Role,
    pub confirm: bool,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub timeout: Duration,
}

impl TaskSpec {
    pub fn param_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.to_string()).collect()
    }

    pub fn param_dtos(&self) -> Vec<ParamDto> {
        self.params
            .iter()
            .map(|p| ParamDto {
                name: p.name.to_string(),
                pattern: p.pattern.clone(),
            })
            .collect()
    }
}

/// Text as shown in a reason: printable, short.
fn shown(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(60).collect()
}

/// A JSON array of strings, or words split the way a shell splits them (quotes respected).
/// Never passed to a shell.
pub fn command(value: &str) -> Result<Vec<String>, String> {
    let trimmed = value.trim();
    let argv: Vec<String> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed).map_err(|e| {
            format!("command is not a JSON array of strings ({e}); write [\"program\", \"arg\", …] or plain words")
        })?
    } else {
        shlex::split(trimmed).ok_or_else(|| {
            "command has an unclosed quote or a trailing backslash; close it, or write the command as a JSON array".to_owned()
        })?
    };
    if argv.first().is_none_or(|a| a.is_empty()) {
        return Err("command is empty: name the program to run".into());
    }
    if argv.iter().any(|a| a.contains('\0')) {
        return Err("command holds a NUL character, which no argument can carry".into());
    }
    Ok(argv)
}

fn pattern(name: &str, value: &str) -> Result<Regex, String> {
    if value.len() > 1000 {
        return Err(format!(
            "param.{name}: the pattern is longer than 1000 characters"
        ));
    }
    RegexBuilder::new(&format!("^(?:{value})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let first = e.to_string();
            let first = first.lines().last().unwrap_or_default().trim().to_owned();
            format!(
                "param.{name}: “{}” is not a regular expression bosun reads ({first})",
                shown(value)
            )
        })
}

fn timeout(value: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(value.trim()).map_err(|_| {
        format!(
            "timeout “{}” is not a duration: write 90s, 10m or 2h",
            shown(value)
        )
    })?;
    if d < Duration::from_secs(1) || d > MAX_TIMEOUT {
        return Err("timeout must be from 1s to 7 days".into());
    }
    Ok(d)
}

fn text(field: &str, value: &str, max: usize) -> Result<Option<String>, String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{field} holds control characters"));
    }
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

/// One task from its fields (`command`, `mode`, `param.path`, …).
pub fn parse(name: &str, fields: &BTreeMap<String, String>) -> Result<TaskSpec, String> {
    let name: TaskName = name.parse().map_err(|e| format!("{e}"))?;
    let mut spec = TaskSpec {
        name,
        title: None,
        description: None,
        command: Vec::new(),
        params: Vec::new(),
        mode: TaskMode::Exec,
        role: Role::Operator,
        confirm: false,
        user: None,
        workdir: None,
        timeout: DEFAULT_TIMEOUT,
    };
    let mut has_command = false;
    for (field, value) in fields {
        match field.as_str() {
            "command" => {
                spec.command = command(value)?;
                has_command = true;
            }
            "title" => spec.title = text("title", value, 200)?,
            "description" => spec.description = text("description", value, 2000)?,
            "mode" => spec.mode = value.trim().parse()?,
            "role" => {
                spec.role = match value.trim() {
                    "operator" => Role::Operator,
                    "admin" => Role::Admin,
                    other => {
                        return Err(format!(
                            "role “{}” is neither operator nor admin (viewers run no tasks)",
                            shown(other)
                        ));
                    }
                }
            }
            "confirm" => {
                spec.confirm = match value.trim() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(format!(
                            "confirm “{}” is neither true nor false",
                            shown(other)
                        ));
                    }
                }
            }
            "user" => {
                spec.user = text("user", value, 256)?;
                if spec
                    .user
                    .as_deref()
                    .is_some_and(|u| u.contains(char::is_whitespace))
                {
                    return Err("user has spaces: give a user name or id, as uid[:gid]".into());
                }
            }
            "workdir" => {
                spec.workdir = text("workdir", value, 1024)?;
                if spec.workdir.as_deref().is_some_and(|w| !w.starts_with('/')) {
                    return Err("workdir must be an absolute path inside the container".into());
                }
            }
            "timeout" => spec.timeout = timeout(value)?,
            other => match other.strip_prefix("param.") {
                Some(p) => {
                    let name: ParamName =
                        p.parse().map_err(|e| format!("param.{}: {e}", shown(p)))?;
                    let regex = pattern(p, value)?;
                    spec.params.push(Param {
                        name,
                        pattern: value.clone(),
                        regex,
                    });
                }
                None => {
                    return Err(format!(
                        "unknown field “{}”: a task takes {FIELDS}",
                        shown(other)
                    ));
                }
            },
        }
    }
    if !has_command {
        return Err("it has no command: add the command field".into());
    }
    if let Some(unused) = spec.params.iter().find(|p| {
        let slot = placeholder(p.name.as_str());
        !spec.command.iter().any(|a| a.contains(&slot))
    }) {
        return Err(format!(
            "param.{0} is declared, but no argument of the command holds {{{0}}}",
            unused.name
        ));
    }
    Ok(spec)
}

/// A task declaration that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unusable {
    pub name: String,
    pub reason: String,
}

/// Every task declared in a container's labels, usable or not, by name.
pub fn from_labels(labels: &BTreeMap<String, String>) -> Vec<Result<TaskSpec, Unusable>> {
    let mut by_name: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (key, value) in labels.range(PREFIX.to_owned()..) {
        let Some(rest) = key.strip_prefix(PREFIX) else {
            break;
        };
        match rest.split_once('.') {
            Some((name, field)) => {
                by_name
                    .entry(name.to_owned())
                    .or_default()
                    .insert(field.to_owned(), value.clone());
            }
            None => out.push(Err(Unusable {
                name: shown(rest),
                reason: format!(
                    "the label {key} names no field: write {key}.command and the other fields"
                ),
            })),
        }
    }
    for (name, fields) in by_name {
        out.push(parse(&name, &fields).map_err(|reason| Unusable {
            name: shown(&name),
            reason,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_issues_examples_parse() {
        let found = from_labels(&labels(&[
            (
                "bosun.task.upgrade-db.command",
                r#"["camcops_server", "upgrade_db", "--config", "/camcops/cfg/camcops.conf"]"#,
            ),
            ("bosun.task.upgrade-db.title", "Upgrade the database schema"),
            ("bosun.task.upgrade-db.mode", "run"),
            ("bosun.task.upgrade-db.role", "admin"),
            ("bosun.task.upgrade-db.confirm", "true"),
            (
                "bosun.task.tests.command",
                r#"["execute", "run-tests", "--path={path}"]"#,
            ),
            ("bosun.task.tests.param.path", "^[A-Za-z0-9_./-]{1,200}$"),
            (
                "bosun.task.migrate.command",
                "python manage.py migrate --noinput",
            ),
            ("bosun.task.migrate.user", "0"),
            ("bosun.task.migrate.timeout", "10m"),
            ("com.docker.compose.service", "web"),
        ]));
        let specs: Vec<TaskSpec> = found.into_iter().map(|r| r.unwrap()).collect();
        let [migrate, tests, upgrade] = specs.as_slice() else {
            panic!("{specs:?}")
        };
        assert_eq!(
            (upgrade.mode, upgrade.role, upgrade.confirm),
            (TaskMode::Run, Role::Admin, true)
        );
        assert_eq!(upgrade.command[1], "upgrade_db");
        assert_eq!(
            migrate.command,
            ["python", "manage.py", "migrate", "--noinput"]
        );
        assert_eq!(
            (migrate.user.as_deref(), migrate.timeout),
            (Some("0"), Duration::from_secs(600))
        );
        assert_eq!(migrate.mode, TaskMode::Exec);
        assert_eq!(migrate.role, Role::Operator);
        assert!(tests.params[0].regex.is_match("src/app"));
        assert!(!tests.params[0].regex.is_match("a;b"));
    }

    #[test]
    fn words_split_like_a_shell_splits_them_without_a_shell() {
        assert_eq!(
            command(r#"sh -c "echo 'a b'; exit 3" x"#).unwrap(),
            ["sh", "-c", "echo 'a b'; exit 3", "x"]
        );
        assert_eq!(command("echo $(id) `x`").unwrap(), ["echo", "$(id)", "`x`"]);
        assert!(command("echo 'open").is_err());
        assert!(command("  ").is_err());
        assert!(command("[]").is_err());
        assert!(command(r#"["a", 1]"#).unwrap_err().contains("JSON array"));
    }

    #[test]
    fn a_pattern_must_match_the_whole_value() {
        let spec = parse(
            "t",
            &labels(&[("command", "echo {v}"), ("param.v", "[a-z]+")]),
        )
        .unwrap();
        let re = &spec.params[0].regex;
        assert!(re.is_match("abc"));
        assert!(!re.is_match("abc; rm -rf /"));
        // An alternation is anchored as a whole, not just its first branch.
        let spec = parse("t", &labels(&[("command", "echo {v}"), ("param.v", "a|b")])).unwrap();
        assert!(!spec.params[0].regex.is_match("ab"));
    }

    #[test]
    fn unusable_declarations_say_why() {
        let why = |pairs: &[(&str, &str)]| {
            from_labels(&labels(pairs))
                .into_iter()
                .find_map(|r| r.err())
                .map(|u| u.reason)
                .unwrap_or_default()
        };
        assert!(why(&[("bosun.task.x.command", "[\"a\"")]).contains("JSON"));
        assert!(
            why(&[
                ("bosun.task.x.command", "a"),
                ("bosun.task.x.colour", "red")
            ])
            .contains("unknown field “colour”")
        );
        assert!(
            why(&[
                ("bosun.task.x.command", "a {p}"),
                ("bosun.task.x.param.p", "(")
            ])
            .contains("regular expression")
        );
        assert!(
            why(&[
                ("bosun.task.x.command", "a"),
                ("bosun.task.x.mode", "shell")
            ])
            .contains("exec nor run")
        );
        assert!(
            why(&[
                ("bosun.task.x.command", "a"),
                ("bosun.task.x.role", "viewer")
            ])
            .contains("operator nor admin")
        );
        assert!(why(&[("bosun.task.x.title", "no command")]).contains("no command"));
        assert!(
            why(&[
                ("bosun.task.x.command", "a"),
                ("bosun.task.x.param.p", ".*")
            ])
            .contains("{p}")
        );
        assert!(
            why(&[
                ("bosun.task.x.command", "a"),
                ("bosun.task.x.timeout", "soon")
            ])
            .contains("duration")
        );
        assert!(why(&[("bosun.task.x", "a")]).contains("names no field"));
        assert!(why(&[("bosun.task.a b.command", "a")]).contains("task name"));
        // Labels of other kinds are not tasks.
        assert!(from_labels(&labels(&[("bosun.taskx", "a"), ("bosun.link.url", "x")])).is_empty());
    }
}
