//! How the engine talks to the person while it works (a login URL, a code, a warning) without
//! printing: it calls a `Ui`, and `main` decides that a `Ui` writes to stderr.

pub trait Ui {
    /// A line for the person to read.
    fn say(&self, text: &str);

    fn warn(&self, text: &str) {
        self.say(&format!("warning: {text}"));
    }
}

/// `s` as it may reach a terminal: control characters (escape sequences could move the cursor or
/// recolour the screen) become `?`. Borrowed when there is none, which is nearly always.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Writes each line to stderr, prefixed so it is clear who speaks inside a shell prompt.
pub struct Stderr;

impl Ui for Stderr {
    fn say(&self, text: &str) {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        for line in text.lines() {
            let _ = writeln!(err, "ssoenv: {line}");
        }
    }
}
