//! How the engine talks to the person while it works (a login URL, a code, a warning) without
//! printing: it calls a `Ui`, and `main` decides that a `Ui` writes to stderr.
//!
//! Everything ssoenv writes for a person to read passes through `printable` where it is written
//! (here, the tables of `list` and `status`, and the pickers): names, codes and URLs come from
//! config files and servers, and a raw escape sequence could recolour the screen, retitle the
//! window, hide text or (on some terminals) answer back with input.

use std::borrow::Cow;
use std::io::Write;

use crate::error::Error;

pub trait Ui {
    /// One line for the person to read; a line break in it is shown, not sent.
    fn say(&self, text: &str);

    fn warn(&self, text: &str) {
        self.say(&format!("warning: {text}"));
    }
}

/// Characters that must never reach a terminal as they are: C0 (line breaks included), DEL and
/// C1 controls, which start escape sequences, and the bidirectional controls and line
/// separators, which can make text read as something other than what it is.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// `s` as it may reach a terminal: each hidden character is written as an escape (`\x1b`,
/// `\u{202e}`), never sent. Escapes rather than `?` so that two names differing only there still
/// look different, and the person can find the character in their file. Borrowed when there is
/// none, which is nearly always.
pub fn printable(s: &str) -> Cow<'_, str> {
    let clean = if s.is_ascii() {
        !s.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        !s.chars().any(hidden)
    };
    if clean {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match u32::from(c) {
            _ if !hidden(c) => out.push(c),
            n @ ..=0xff => out.push_str(&format!("\\x{n:02x}")),
            n => out.push_str(&format!("\\u{{{n:04x}}}")),
        }
    }
    out.into()
}

/// An item of one of `configure`'s inquire pickers (inquire draws the list, and echoes the
/// choice, with `Display`): shown through `printable`, whatever the value holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown<T>(pub T);

impl<T: std::fmt::Display> std::fmt::Display for Shown<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&printable(&self.0.to_string()))
    }
}

/// `n` and the noun, singular for one: "1 profile", "2 profiles". Every count printed goes
/// through here (the nouns ssoenv counts all take an "s").
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Writes `ssoenv: ` and then `line`, made printable, to stderr. Every line ssoenv itself writes
/// there goes through this.
pub fn eprint(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "ssoenv: {}", printable(line));
}

/// A failure as `main` reports it: `ssoenv: what: why`, then `ssoenv: hint: ...`.
pub fn report(err: &Error) {
    eprint(&err.to_string());
    if let Some(hint) = &err.hint {
        eprint(&format!("hint: {hint}"));
    }
}

/// Text written by a library for stderr (clap's usage errors, which quote what was typed or set
/// in the environment): multi-line by design, so each line is made printable on its own.
pub fn eprint_text(text: &str) {
    let mut err = std::io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(err, "{}", printable(line));
    }
}

/// Writes each message to stderr, prefixed so it is clear who speaks inside a shell prompt.
pub struct Stderr;

impl Ui for Stderr {
    fn say(&self, text: &str) {
        eprint(text);
    }
}

#[cfg(test)]
mod tests {
    use super::{count, printable};

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(0, "profile"), "0 profiles");
        assert_eq!(count(1, "SSO session"), "1 SSO session");
        assert_eq!(count(2, "role"), "2 roles");
    }

    #[test]
    fn controls_and_bidi_are_shown_not_sent() {
        assert_eq!(printable("dev"), "dev");
        assert!(matches!(printable("prød ✓"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[31mb\x07"), "a\\x1b[31mb\\x07");
        assert_eq!(printable("x\ny\r\t\x7f"), "x\\x0ay\\x0d\\x09\\x7f");
        assert_eq!(printable("c1\u{9b}31m"), "c1\\x9b31m");
        assert_eq!(
            printable("evil\u{202e}txt.exe\u{2066}\u{2028}"),
            "evil\\u{202e}txt.exe\\u{2066}\\u{2028}"
        );
    }
}
