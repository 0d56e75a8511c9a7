//! Test-only mirrors of what bosun writes that has no DTO in `bosun_frontend::model`: the
//! webhook bodies a receiver gets, and the manifest beside each backup file. Each mirrors
//! the fields the tests read (serde ignores the rest, unless it says otherwise).

use bosun_frontend::model::{BackupDto, NotifyEvent};
use serde::Deserialize;

/// How urgent a notification is (`notify::Severity` on the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// The body of a `generic` webhook.
#[derive(Clone, Debug, Deserialize)]
pub struct Notice {
    pub event: NotifyEvent,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub details: NoticeDetails,
    /// The body as the receiver got it, for checks that something is absent from it.
    #[serde(skip)]
    pub raw: String,
}

/// The parts of a notice's `details` the tests look at; which are set depends on the event.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NoticeDetails {
    /// `login.failures`: the name that was guessed at.
    pub username: Option<String>,
    /// `container.died`.
    pub service: Option<String>,
    pub exit_code: Option<i64>,
}

/// The body of a `slack` webhook: the text, and link previews off; nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackBody {
    pub text: String,
    pub unfurl_links: bool,
    pub unfurl_media: bool,
}

/// The body of a `discord` webhook: the content, mentions off, embeds suppressed; nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordBody {
    pub content: String,
    pub allowed_mentions: AllowedMentions,
    pub flags: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedMentions {
    pub parse: Vec<String>,
}

/// `<backup file>.json`, written beside each good backup.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub backup: BackupDto,
    pub taken_by: String,
}
