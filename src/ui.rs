//! How the engine talks to the person while it works (a login URL, a code, a warning) without
//! printing: it calls a `Ui`, and `main` decides that a `Ui` writes to stderr.

pub trait Ui {
    /// A line for the person to read.
    fn say(&self, text: &str);

    fn warn(&self, text: &str) {
        self.say(&format!("warning: {text}"));
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

/// Collects lines (tests) or drops them.
#[derive(Default)]
pub struct Collect(pub std::cell::RefCell<Vec<String>>);

impl Ui for Collect {
    fn say(&self, text: &str) {
        self.0.borrow_mut().push(text.to_string());
    }
}
