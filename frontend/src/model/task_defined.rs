//! Runbook tasks defined by admins in bosun, for stacks whose compose file they cannot
//! change: the same fields as the labels.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST /api/v1/tasks/defined`: a task defined by an admin, with the fields of the labels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDefinedTask {
    pub project: String,
    pub service: String,
    pub name: String,
    /// A JSON array of arguments, or words split the way a shell splits them (no shell runs).
    pub command: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// exec (default) or run.
    #[serde(default)]
    pub mode: Option<String>,
    /// operator (default) or admin.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub confirm: Option<bool>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub workdir: Option<String>,
    /// `30m` (the default), `2h`, `90s`.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Parameter name → the regular expression its whole value must match.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl NewDefinedTask {
    /// The task's fields as its labels would name them (`command`, `param.path`, …).
    pub fn fields(&self) -> BTreeMap<String, String> {
        let mut f = BTreeMap::new();
        f.insert("command".to_owned(), self.command.clone());
        let optional = [
            ("title", &self.title),
            ("description", &self.description),
            ("mode", &self.mode),
            ("role", &self.role),
            ("user", &self.user),
            ("workdir", &self.workdir),
            ("timeout", &self.timeout),
        ];
        for (key, value) in optional {
            if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                f.insert(key.to_owned(), v.clone());
            }
        }
        if let Some(c) = self.confirm {
            f.insert("confirm".to_owned(), c.to_string());
        }
        for (name, pattern) in &self.params {
            f.insert(format!("param.{name}"), pattern.clone());
        }
        f
    }
}

/// A task defined in bosun, as admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DefinedTaskDto {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub name: String,
    /// Its fields as labels would name them.
    pub fields: BTreeMap<String, String>,
    pub created_by: String,
    pub created_at: String,
    /// A label task of the same name on the service wins over this one.
    pub hidden_by_label: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_defined_task_has_the_fields_of_labels() {
        let t = NewDefinedTask {
            project: "shop".into(),
            service: "web".into(),
            name: "migrate".into(),
            command: "python manage.py migrate".into(),
            mode: Some("run".into()),
            title: Some(" ".into()),
            confirm: Some(true),
            params: BTreeMap::from([("path".into(), "^x$".into())]),
            ..Default::default()
        };
        let f = t.fields();
        assert_eq!(
            f.keys().map(String::as_str).collect::<Vec<_>>(),
            ["command", "confirm", "mode", "param.path"]
        );
        assert_eq!(f["confirm"], "true");
    }
}
