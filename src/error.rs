//! The one error type. Every failure names what failed (a file, a profile, an endpoint) and why,
//! and may carry a hint saying what to do next. `main` prints it as `ssoenv: what: why`.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    /// What failed: `profile "dev"`, `~/.aws/config`, `https://oidc.../token`.
    pub what: String,
    /// Why it failed, in words a person can act on.
    pub why: String,
    /// What to do next, printed on its own line.
    pub hint: Option<String>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Exit 1.
    Failure,
    /// The command line was wrong: exit 2.
    Usage,
    /// The SSO token was refused (HTTP 401): a fresh login may cure it.
    Unauthorized,
    /// A login could start, but nobody is there to see it (see `credential-process`).
    LoginNeeded,
    /// `exec`: the command does not exist (exit 127, as shells do).
    CommandNotFound,
    /// `exec`: the command exists but cannot be run (exit 126, as shells do).
    CommandNotExecutable,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(what: impl Into<String>, why: impl Into<String>) -> Self {
        Error {
            what: what.into(),
            why: why.into(),
            hint: None,
            kind: ErrorKind::Failure,
        }
    }

    pub fn usage(what: impl Into<String>, why: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Usage,
            ..Error::new(what, why)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// An I/O failure on a path, worded for people rather than as `Os { code: 2 }`.
    pub fn io(what: impl Into<String>, err: &std::io::Error) -> Self {
        Error::new(what, describe_io(err))
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Usage => 2,
            ErrorKind::CommandNotFound => 127,
            ErrorKind::CommandNotExecutable => 126,
            _ => 1,
        }
    }
}

pub fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::NotFound => "no such file or folder".into(),
        K::PermissionDenied => "permission denied".into(),
        K::IsADirectory => "is a folder, not a file".into(),
        K::NotADirectory => "a folder on its path is a file".into(),
        K::InvalidData => "not valid UTF-8 text".into(),
        _ => err.to_string(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.what.is_empty() {
            write!(f, "{}", self.why)
        } else {
            write!(f, "{}: {}", self.what, self.why)
        }
    }
}

impl std::error::Error for Error {}
