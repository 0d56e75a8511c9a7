//! The log filter (substring or regex) and terminal escape stripping.

use std::borrow::Cow;

use bosun_frontend::error::AppError;

pub enum Filter {
    Everything,
    /// Case-insensitive (ASCII) substring.
    Text(String),
    Regex(regex::Regex),
}

impl Filter {
    pub fn new(grep: Option<&str>, regex: bool) -> Result<Self, AppError> {
        let Some(grep) = grep.filter(|g| !g.is_empty()) else {
            return Ok(Filter::Everything);
        };
        if !regex {
            return Ok(Filter::Text(grep.to_ascii_lowercase()));
        }
        regex::RegexBuilder::new(grep)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .map(Filter::Regex)
            .map_err(|e| {
                let why = match e {
                    regex::Error::CompiledTooBig(_) => "it is too complex".to_owned(),
                    other => other.to_string().lines().last().unwrap_or_default().trim().to_owned(),
                };
                AppError::bad_request(
                    "grep",
                    format!(
                        "The filter is not a usable regular expression ({why}). Fix it, or turn regex off to search for the text as typed."
                    ),
                )
            })
    }

    /// None hides the line; otherwise the byte ranges to highlight.
    pub fn matches(&self, text: &str) -> Option<Vec<(u32, u32)>> {
        match self {
            Filter::Everything => Some(Vec::new()),
            Filter::Text(needle) => {
                let hay = text.to_ascii_lowercase();
                let found: Vec<(u32, u32)> = hay
                    .match_indices(needle.as_str())
                    .map(|(i, m)| (i as u32, (i + m.len()) as u32))
                    .collect();
                (!found.is_empty()).then_some(found)
            }
            Filter::Regex(re) => {
                let found: Vec<(u32, u32)> = re
                    .find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| (m.start() as u32, m.end() as u32))
                    .collect();
                (!found.is_empty() || re.is_match(text)).then_some(found)
            }
        }
    }
}

/// Removes ANSI escape sequences (colours, cursor moves) and other control characters but tab.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                // CSI: ESC [ parameters… final byte in @–~
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: ESC ] … BEL or ESC \
                Some(']') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                            break;
                        }
                    }
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                }
                _ => {
                    chars.next();
                }
            }
        } else if !c.is_control() || c == '\t' {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_filter_is_case_insensitive_and_marks_every_match() {
        let f = Filter::new(Some("err"), false).ok();
        let f = f.as_ref();
        assert_eq!(
            f.and_then(|f| f.matches("ERROR: err")),
            Some(vec![(0, 3), (7, 10)])
        );
        assert_eq!(f.and_then(|f| f.matches("all fine")), None);
    }

    #[test]
    fn regex_filter_and_clear_errors() {
        let f = Filter::new(Some(r"tick \d+"), true).ok();
        assert_eq!(
            f.as_ref().and_then(|f| f.matches("worker tick 42")),
            Some(vec![(7, 14)])
        );
        let e = Filter::new(Some("(unclosed"), true).err();
        assert_eq!(e.as_ref().and_then(|e| e.field.as_deref()), Some("grep"));
        assert!(
            e.map(|e| e.message)
                .unwrap_or_default()
                .contains("regex off")
        );
        let huge = Filter::new(Some(r"\w{1000}\w{1000}\w{1000}"), true).err();
        assert!(huge.is_some());
    }

    #[test]
    fn escape_codes_are_stripped() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}after"), "after");
        assert_eq!(strip_ansi("tab\there\u{8}"), "tab\there");
        assert!(matches!(strip_ansi("plain"), Cow::Borrowed(_)));
    }
}
