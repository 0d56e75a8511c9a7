//! A command's output bytes as plain text, piece by piece: UTF-8 decoded across piece
//! boundaries (bad bytes become U+FFFD), terminal escape sequences (colours, cursor moves,
//! titles) removed, carriage returns made line ends, other control characters dropped.

/// Where the escape-sequence reader stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    /// After ESC.
    Start,
    /// ESC followed by intermediate bytes (`ESC ( B`).
    Intermediate,
    /// A control sequence: `ESC [ … final`.
    Csi,
    /// A string (`ESC ] … BEL` or `… ESC \`), counting what it swallowed.
    Text(u16),
    /// ESC inside a string.
    TextEsc,
}

/// The longest escape string taken as one (beyond it, the text shows again).
const MAX_ESCAPE_TEXT: u16 = 4096;

/// Decodes one stream (stdout or stderr) of a command.
#[derive(Debug)]
pub struct Decoder {
    pending: Vec<u8>,
    escape: Escape,
    after_cr: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            pending: Vec::new(),
            escape: Escape::None,
            after_cr: false,
        }
    }
}

impl Decoder {
    /// The text of the next piece (a multi-byte character cut at its end waits for the next).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut input = std::mem::take(&mut self.pending);
        input.extend_from_slice(bytes);
        let mut out = String::with_capacity(input.len());
        let mut rest = input.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.text(s, &mut out);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    // Checked valid just now.
                    self.text(std::str::from_utf8(good).unwrap_or_default(), &mut out);
                    match e.error_len() {
                        Some(n) => {
                            self.text("\u{FFFD}", &mut out);
                            rest = &bad[n..];
                        }
                        None => {
                            self.pending = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// What is left once the stream has ended.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        if !self.pending.is_empty() {
            self.pending.clear();
            self.text("\u{FFFD}", &mut out);
        }
        out
    }

    fn text(&mut self, s: &str, out: &mut String) {
        for c in s.chars() {
            self.char(c, out);
        }
    }

    fn char(&mut self, c: char, out: &mut String) {
        const ESC: char = '\u{1b}';
        match self.escape {
            Escape::None => {}
            Escape::Start => {
                self.escape = match c {
                    '[' => Escape::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => Escape::Text(0),
                    '\u{20}'..='\u{2f}' => Escape::Intermediate,
                    _ => Escape::None,
                };
                return;
            }
            Escape::Intermediate => {
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    self.escape = Escape::None;
                }
                return;
            }
            Escape::Csi => {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    self.escape = Escape::None;
                }
                return;
            }
            Escape::Text(n) => {
                self.escape = match c {
                    '\u{7}' | '\u{9c}' => Escape::None,
                    ESC => Escape::TextEsc,
                    _ if n >= MAX_ESCAPE_TEXT => Escape::None,
                    _ => Escape::Text(n + 1),
                };
                return;
            }
            Escape::TextEsc => {
                self.escape = Escape::None;
                if c == '\\' {
                    return;
                }
            }
        }
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        match c {
            ESC => self.escape = Escape::Start,
            '\u{9b}' => self.escape = Escape::Csi,
            '\r' => {
                out.push('\n');
                self.after_cr = true;
            }
            '\n' if after_cr => {}
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(pieces: &[&[u8]]) -> String {
        let mut d = Decoder::default();
        let mut out: String = pieces.iter().map(|p| d.push(p)).collect();
        out.push_str(&d.finish());
        out
    }

    #[test]
    fn colours_titles_and_cursor_moves_are_removed() {
        assert_eq!(
            all(&[b"\x1b[1;31mred\x1b[0m plain \x1b]0;title\x07done\x1b(B\n"]),
            "red plain done\n"
        );
        // A sequence cut between pieces is still removed.
        assert_eq!(
            all(&[b"a\x1b[3", b"2mb\x1b", b"]8;;http://x\x1b\\c"]),
            "abc"
        );
        // Markup is text, kept as is (the page shows it as text).
        assert_eq!(all(&[b"<script>x</script>"]), "<script>x</script>");
    }

    #[test]
    fn line_ends_and_control_characters() {
        assert_eq!(all(&[b"a\r\nb\r", b"\nc\rd\x07\x08\te"]), "a\nb\nc\nd\te");
    }

    #[test]
    fn utf8_is_decoded_across_pieces_and_bad_bytes_marked() {
        let snow = "☃".as_bytes();
        assert_eq!(all(&[&snow[..1], &snow[1..]]), "☃");
        assert_eq!(all(&[b"a\xffb"]), "a\u{FFFD}b");
        assert_eq!(all(&[&snow[..2]]), "\u{FFFD}");
    }

    #[test]
    fn clipping_keeps_whole_characters() {
        assert_eq!(clip("a☃b", 2), "a");
        assert_eq!(clip("a☃b", 4), "a☃");
        assert_eq!(clip("ab", 5), "ab");
    }
}
