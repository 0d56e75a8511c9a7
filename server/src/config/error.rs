//! Start-up configuration errors, naming the variable a user set.

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue};
use std::error::Error as _;

use super::Config;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Clap(#[from] clap::Error),
    #[error(
        "unknown setting {name}: remove it or check its spelling (`bosun --help` lists every setting)"
    )]
    UnknownVariable { name: String },
    #[error("invalid value for {setting}: {reason}")]
    Invalid { setting: String, reason: String },
}

/// clap names the flag; users who set the variable need to see its name too.
pub(super) fn name_the_variable(err: clap::Error) -> ConfigError {
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return ConfigError::Clap(err);
    };
    let flag = arg.split_whitespace().next().unwrap_or(arg).to_owned();
    let env = Config::command()
        .get_arguments()
        .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == flag))
        .and_then(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()));
    let reason = match (err.get(ContextKind::InvalidValue), err.source()) {
        (Some(ContextValue::String(v)), Some(src)) => format!("{v:?}: {src}"),
        (Some(ContextValue::String(v)), None) => format!("{v:?} is not accepted"),
        _ => err.kind().to_string(),
    };
    match env {
        Some(env) => ConfigError::Invalid {
            setting: format!("{flag} / {env}"),
            reason,
        },
        None => ConfigError::Clap(err),
    }
}
