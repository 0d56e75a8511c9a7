//! A project's compose files, read-only, as compose recorded them in its labels
//! (`config_files`, relative to `working_dir`). Through bosun's own mounts when it runs in a
//! container; only YAML files up to 1 MiB, never through a link; values of secret-looking
//! keys (the same rule as the environment) replaced, so a viewer sees no password here either.

use std::path::{Path, PathBuf};

use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::ProjectName;
use bosun_frontend::model::details::{ComposeFile, ComposeFiles, is_secret};

use super::Services;
use crate::docker::own;
use crate::docker::record::{CONFIG_FILES, Mount, WORKING_DIR};

const MAX_BYTES: u64 = 1024 * 1024;
pub const HIDDEN: &str = "••••••";

/// `KEY: value`, `- KEY=value`, `"KEY": value` with a secret-looking KEY → its value hidden
/// (an interpolation such as `${DB_PASSWORD}` names where the value comes from, and stays).
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(&mask_line(line));
    }
    out
}

fn mask_line(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let end = &line[body.len()..];
    let indent = body.len() - body.trim_start().len();
    let rest = &body[indent..];
    let (dash, item) = match rest.strip_prefix("- ") {
        Some(item) => ("- ", item),
        None => ("", rest),
    };
    let Some(at) = item.find([':', '=']) else {
        return line.to_owned();
    };
    let key = item[..at].trim().trim_matches(['"', '\'']);
    let value = item[at + 1..].trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        || !is_secret(key)
        || value.is_empty()
        || value.starts_with("${")
        || value.starts_with("\"${")
    {
        return line.to_owned();
    }
    let sep = &item[at..=at];
    let space = if sep == ":" { " " } else { "" };
    format!(
        "{}{dash}{}{sep}{space}{HIDDEN}{end}",
        &body[..indent],
        &item[..at].trim_end()
    )
}

/// Where bosun sees host path `path`: itself when bosun runs on the host, else through the
/// mount that holds it (None when no mount does).
fn seen_at(path: &Path, mounts: Option<&[Mount]>) -> Option<PathBuf> {
    let Some(mounts) = mounts else {
        return Some(path.to_owned());
    };
    mounts.iter().find_map(|m| {
        let rest = path.strip_prefix(&m.source).ok()?;
        Some(Path::new(&m.destination).join(rest))
    })
}

fn read(path: &Path) -> Result<String, String> {
    let yaml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
    if !yaml {
        return Err("bosun shows only YAML compose files".into());
    }
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is a link or not a plain file; bosun does not follow links".into());
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("it is larger than {} KiB", MAX_BYTES / 1024));
    }
    let (dir, name) = crate::fsx::Dir::of(None, path)?;
    let (bytes, _) = dir.read(&name)?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".into())
}

impl Services {
    pub(super) async fn compose_files(
        &self,
        actor: &Viewer,
        project: &ProjectName,
    ) -> Result<ComposeFiles, AppError> {
        let view = bosun_frontend::ports::ViewOptions {
            host: "localhost".into(),
            include_oneoff: false,
        };
        let p = self.project(actor, &view, project)?;
        let records = self.engine.inventory().records();
        let any = records
            .iter()
            .find(|r| r.project() == Some(project.as_str()));
        let working_dir = any.and_then(|r| r.label(WORKING_DIR)).map(str::to_owned);
        let listed = any
            .and_then(|r| r.label(CONFIG_FILES))
            .map(str::to_owned)
            .unwrap_or_default();
        let mounts = own::mounts(&self.engine).await;
        let mut files = Vec::new();
        for f in listed.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let host = match &working_dir {
                Some(dir) => Path::new(dir).join(f),
                None => PathBuf::from(f),
            };
            let shown = host.display().to_string();
            let file = match seen_at(&host, mounts.as_deref()) {
                None => ComposeFile {
                    path: shown,
                    content: None,
                    error: Some(format!(
                        "bosun runs in a container that does not see this file. Mount the project's directory into bosun read-only at the same path (for example `- {0}:{0}:ro` under bosun's volumes) and recreate bosun.",
                        host.parent().unwrap_or(Path::new("/")).display()
                    )),
                },
                Some(at) => match read(&at) {
                    Ok(text) => ComposeFile {
                        path: shown,
                        content: Some(mask(&text)),
                        error: None,
                    },
                    Err(why) => ComposeFile {
                        path: shown,
                        content: None,
                        error: Some(format!("bosun could not read it: {why}.")),
                    },
                },
            };
            files.push(file);
        }
        Ok(ComposeFiles {
            project: p.name,
            working_dir,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_values_are_hidden_and_the_rest_kept() {
        let yaml = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: demo-secret\n      POSTGRES_DB: demo\n      - API_TOKEN=abc\n      DB_PASSWORD: ${DB_PASSWORD}\n    image: postgres\n";
        let masked = mask(yaml);
        assert!(
            !masked.contains("demo-secret") && !masked.contains("abc"),
            "{masked}"
        );
        assert!(
            masked.contains("      POSTGRES_PASSWORD: ••••••\n"),
            "{masked}"
        );
        assert!(masked.contains("      - API_TOKEN=••••••\n"), "{masked}");
        assert!(masked.contains("POSTGRES_DB: demo\n") && masked.contains("${DB_PASSWORD}"));
        assert_eq!(mask("no newline"), "no newline");
    }

    #[test]
    fn a_host_path_is_found_through_the_mount_that_holds_it() {
        let mounts = [Mount {
            source: "/srv/stacks".into(),
            destination: "/stacks".into(),
        }];
        assert_eq!(
            seen_at(Path::new("/srv/stacks/shop/compose.yaml"), Some(&mounts)),
            Some(PathBuf::from("/stacks/shop/compose.yaml"))
        );
        assert_eq!(
            seen_at(Path::new("/home/x/compose.yaml"), Some(&mounts)),
            None
        );
        assert_eq!(
            seen_at(Path::new("/a.yml"), None),
            Some(PathBuf::from("/a.yml"))
        );
    }
}
