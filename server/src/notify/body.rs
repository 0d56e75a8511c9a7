//! The request each kind of target expects.

use bosun_frontend::model::WebhookFormat;

use super::{Notification, Severity};

/// Method is always POST; the content type, extra headers and body vary.
pub struct Request {
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Slack reads `<…>` as mentions (`<!channel>`, `<@U1>`) and links (`<https://x|text>`): text
/// from outside (user names, container names, error output) has its `&`, `<` and `>` escaped,
/// as Slack's own documentation asks, so it shows as typed and pings nobody.
fn slack_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Discord reads markdown (masked links `[text](url)`, bold, code, headings) and mentions:
/// every markdown character is escaped, and mentions are switched off in the request itself.
fn discord_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '<'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '-'
                | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Header values must be one line of visible text.
fn header_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || !c.is_ascii() {
                ' '
            } else {
                c
            }
        })
        .take(200)
        .collect()
}

pub fn request(format: WebhookFormat, n: &Notification) -> Request {
    let json = |v: serde_json::Value| Request {
        content_type: "application/json",
        headers: Vec::new(),
        body: v.to_string(),
    };
    match format {
        WebhookFormat::Generic => json(serde_json::json!({
            "source": "bosun",
            "event": n.event.as_str(),
            "severity": n.severity.as_str(),
            "title": n.title,
            "message": n.message,
            "at": n.at,
            "details": n.details,
        })),
        WebhookFormat::Slack => json(serde_json::json!({
            "text": clip(
                &format!("*[bosun] {}*\n{}", slack_text(&n.title), slack_text(&n.message)),
                3000
            ),
            "unfurl_links": false,
            "unfurl_media": false,
        })),
        WebhookFormat::Discord => json(serde_json::json!({
            "content": clip(
                &format!("**[bosun] {}**\n{}", discord_text(&n.title), discord_text(&n.message)),
                2000
            ),
            // No @everyone, role or user pings, whatever the text says; no link previews.
            "allowed_mentions": { "parse": [] },
            "flags": 4,
        })),
        WebhookFormat::Ntfy => Request {
            content_type: "text/plain; charset=utf-8",
            headers: vec![
                ("Title", header_text(&format!("bosun: {}", n.title))),
                (
                    "Priority",
                    match n.severity {
                        Severity::Critical => "urgent",
                        Severity::Warning => "high",
                        Severity::Info => "default",
                    }
                    .into(),
                ),
                (
                    "Tags",
                    match n.severity {
                        Severity::Critical => "rotating_light",
                        Severity::Warning => "warning",
                        Severity::Info => "information_source",
                    }
                    .into(),
                ),
            ],
            body: clip(&n.message, 4000),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::NotifyEvent;

    fn n() -> Notification {
        Notification::new(
            NotifyEvent::BackupFailed,
            Severity::Critical,
            "Backup of p/db failed",
            "pg_dump: password authentication failed\nnext line",
            serde_json::json!({"project": "p"}),
        )
    }

    #[test]
    fn each_format_has_its_shape() {
        let g: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Generic, &n()).body).unwrap();
        assert_eq!(g["event"], "backup.failed");
        assert_eq!(g["severity"], "critical");
        assert_eq!(g["details"]["project"], "p");
        let s: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Slack, &n()).body).unwrap();
        assert!(
            s["text"]
                .as_str()
                .unwrap()
                .starts_with("*[bosun] Backup of p/db failed*")
        );
        let d: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Discord, &n()).body).unwrap();
        assert!(
            d["content"]
                .as_str()
                .unwrap()
                .contains("password authentication")
        );
        let t = request(WebhookFormat::Ntfy, &n());
        assert!(t.body.starts_with("pg_dump"));
        assert!(t.headers.contains(&("Priority", "urgent".into())));
        let long = Notification::new(
            NotifyEvent::Test,
            Severity::Info,
            "t\r\nX-Evil: 1",
            "x".repeat(5000),
            serde_json::Value::Null,
        );
        let d: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Discord, &long).body).unwrap();
        assert_eq!(d["content"].as_str().unwrap().chars().count(), 2000);
        let t = request(WebhookFormat::Ntfy, &long);
        assert!(!t.headers[0].1.contains('\n'), "no header injection");
    }

    #[test]
    fn outside_text_cannot_ping_or_link_in_chat() {
        let evil = Notification::new(
            NotifyEvent::LoginFailures,
            Severity::Warning,
            "Repeated failed sign-ins for “<!channel> [x](https://evil.example)”",
            "from <https://evil.example|click here> @everyone & <@U123>",
            serde_json::Value::Null,
        );
        let s: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Slack, &evil).body).unwrap();
        let text = s["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(
            text.contains("&lt;!channel&gt;") && text.contains("&amp;"),
            "{text}"
        );
        assert_eq!(s["unfurl_links"], false);
        let d: serde_json::Value =
            serde_json::from_str(&request(WebhookFormat::Discord, &evil).body).unwrap();
        let content = d["content"].as_str().unwrap();
        assert!(
            content.contains("\\[x\\]\\(https://evil.example\\)"),
            "{content}"
        );
        assert!(content.contains("\\@everyone"), "{content}");
        assert!(content.starts_with("**[bosun] "), "bosun's own bold stays");
        assert_eq!(d["allowed_mentions"]["parse"], serde_json::json!([]));
    }
}
