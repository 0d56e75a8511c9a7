//! Runbook task names, parameter names and the filling of parameters into a command's
//! arguments: the same rules in the browser and on the server. A value replaces `{NAME}` inside
//! one argument and never becomes more arguments; nothing here ever makes a shell string.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::names::{name_type, shown};

/// The longest value a parameter takes.
pub const MAX_PARAM_VALUE: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{value}” is not a valid {what}: use letters, digits, “_” or “-”, starting with a letter or digit (at most 64 characters)."
)]
pub struct TaskNameError {
    pub what: &'static str,
    pub value: String,
}

/// Names inside label keys (`bosun.task.NAME.param.PARAM`): no dots, so a key reads one way.
fn check(what: &'static str, value: &str) -> Result<(), TaskNameError> {
    let mut chars = value.chars();
    let ok = value.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(TaskNameError {
            what,
            value: shown(value),
        })
    }
}

name_type!(
    /// A task's name, as in `bosun.task.NAME.command`.
    TaskName,
    "task name",
    check,
    TaskNameError
);
name_type!(
    /// A task parameter's name, as in `bosun.task.NAME.param.PARAM` and `{PARAM}`.
    ParamName,
    "parameter name",
    check,
    TaskNameError
);

/// `{NAME}`, the placeholder a parameter fills.
pub fn placeholder(name: &str) -> String {
    format!("{{{name}}}")
}

/// Checks the values sent for a task against the parameters it declares: every declared one
/// present, no other, none too long or holding a NUL byte (no argument can). The pattern of
/// each is checked by the server. A failure is a 400 naming the parameter.
pub fn check_values(declared: &[String], given: &BTreeMap<String, String>) -> Result<(), AppError> {
    if let Some(unknown) = given.keys().find(|k| !declared.contains(k)) {
        let shown = shown(unknown);
        let expected = if declared.is_empty() {
            "it takes none".to_owned()
        } else {
            format!("it takes {}", declared.join(", "))
        };
        return Err(AppError::bad_request(
            &format!("params.{shown}"),
            format!("This task has no parameter “{shown}”: {expected}."),
        ));
    }
    for name in declared {
        let field = format!("params.{name}");
        let Some(value) = given.get(name) else {
            return Err(AppError::bad_request(
                &field,
                format!("Give a value for the parameter {name}."),
            ));
        };
        if value.len() > MAX_PARAM_VALUE {
            return Err(AppError::bad_request(
                &field,
                format!("The value of {name} is longer than {MAX_PARAM_VALUE} bytes; shorten it."),
            ));
        }
        if value.contains('\0') {
            return Err(AppError::bad_request(
                &field,
                format!("The value of {name} holds a NUL character, which no argument can carry."),
            ));
        }
    }
    Ok(())
}

/// The argument list: each `{NAME}` of a declared parameter replaced by its value, inside the
/// argument it stands in. Braces around anything else stay as written.
pub fn fill(command: &[String], values: &BTreeMap<String, String>) -> Vec<String> {
    command
        .iter()
        .map(|arg| {
            let mut out = String::with_capacity(arg.len());
            let mut rest = arg.as_str();
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let after = &rest[open + 1..];
                match after
                    .find('}')
                    .and_then(|close| values.get(&after[..close]).map(|v| (close, v)))
                {
                    Some((close, value)) => {
                        out.push_str(value);
                        rest = &after[close + 1..];
                    }
                    None => {
                        out.push('{');
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn names_have_no_dots_or_markup() {
        for ok in ["upgrade-db", "migrate", "run_tests", "0x"] {
            assert!(ok.parse::<TaskName>().is_ok(), "{ok}");
            assert!(ok.parse::<ParamName>().is_ok(), "{ok}");
        }
        for bad in ["", "-x", "a.b", "a b", "<b>", "x;y", "{x}", &"a".repeat(65)] {
            assert!(bad.parse::<TaskName>().is_err(), "{bad}");
        }
        let e = "a.b".parse::<ParamName>().err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("parameter name"));
    }

    #[test]
    fn a_value_fills_its_placeholder_inside_one_argument_and_never_splits() {
        let command: Vec<String> = [
            "execute",
            "run-tests",
            "--path={path}",
            "{x}",
            "{path}{path}",
        ]
        .map(String::from)
        .to_vec();
        let values = map(&[("path", "a b; rm -rf / $(id)")]);
        assert_eq!(
            fill(&command, &values),
            [
                "execute",
                "run-tests",
                "--path=a b; rm -rf / $(id)",
                "{x}",
                "a b; rm -rf / $(id)a b; rm -rf / $(id)"
            ]
        );
        // A value that looks like a placeholder is not filled again.
        let values = map(&[("path", "{path}")]);
        assert_eq!(fill(&command, &values)[2], "--path={path}");
        assert_eq!(fill(&["{".into(), "}{".into()], &values), ["{", "}{"]);
    }

    #[test]
    fn values_must_match_the_declared_parameters() {
        let declared = vec!["path".to_owned()];
        assert!(check_values(&declared, &map(&[("path", "x")])).is_ok());
        let missing = check_values(&declared, &map(&[])).err();
        assert_eq!(
            missing.and_then(|e| e.field),
            Some("params.path".to_owned())
        );
        let unknown = check_values(&declared, &map(&[("path", "x"), ("other", "y")])).err();
        assert!(unknown.is_some_and(|e| e.message.contains("it takes path")));
        let nul = check_values(&declared, &map(&[("path", "a\0b")])).err();
        assert!(nul.is_some_and(|e| e.status() == 400));
        let long = "x".repeat(MAX_PARAM_VALUE + 1);
        assert!(check_values(&declared, &map(&[("path", &long)])).is_err());
    }
}
