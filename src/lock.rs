//! Exclusive locks between ssoenv processes: the login lock of a token cache key (`cache`) and
//! the edit lock of the config file (`config_edit`). The lock is the OS's (flock/LockFileEx) on a
//! private file (0600, never opened through a symbolic link), so it dies with its holder. The
//! holder writes who it is into the file, so that a waiter can name it; a wait is bounded and
//! polls, since the OS offers no blocking lock with a timeout.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek, SeekFrom, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held until dropped.
pub struct FileLock {
    file: File,
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // A later waiter must not name a holder that is gone.
        let _ = self.file.set_len(0);
    }
}

pub enum Locked {
    /// Got it at once.
    Acquired(FileLock),
    /// Another process holds it; `Busy::wait` waits for it, for a bounded time.
    Busy(Busy),
}

/// What the holder writes into the lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// `PID\n`.
    Pid,
    /// `PID COMMAND LINE\n` (the command line at most 200 characters, without controls).
    PidAndCommand,
}

pub struct Busy {
    file: File,
    path: String,
    stamp: Stamp,
}

/// Who holds a lock, as it wrote itself into the lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    pub command: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let command = crate::ui::printable(&self.command);
        match (self.pid, command.is_empty()) {
            (Some(pid), false) => write!(f, "another ssoenv (pid {pid}: {command})"),
            (Some(pid), true) => write!(f, "another ssoenv (pid {pid})"),
            (None, _) => write!(f, "another ssoenv"),
        }
    }
}

impl Holder {
    pub(crate) fn parse(text: &str) -> Holder {
        let (pid, command) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
        Holder {
            pid: pid.parse().ok(),
            command: command.trim().to_string(),
        }
    }
}

/// The lock on the file `path` (created if missing; its folder must exist), if no other process
/// holds it. A symbolic link in its place is refused: opening would create or lock its target.
pub fn try_lock(path: &Path, stamp: Stamp) -> Result<Locked> {
    let shown = || path.display().to_string();
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // (Rust opens every file close-on-exec already.)
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|err| {
        #[cfg(unix)]
        if err.raw_os_error() == Some(libc::ELOOP) {
            return Error::new(
                shown(),
                "is a symbolic link, which ssoenv does not follow here (a link in its place \
                 could make it open another file)",
            )
            .with_hint(format!("remove it: rm {}", path.display()));
        }
        Error::io(shown(), &err)
    })?;
    let busy = Busy {
        file,
        path: shown(),
        stamp,
    };
    busy.try_again()
}

impl Busy {
    fn try_again(self) -> Result<Locked> {
        match self.file.try_lock() {
            Ok(()) => Ok(Locked::Acquired(self.acquired())),
            Err(TryLockError::WouldBlock) => Ok(Locked::Busy(self)),
            Err(TryLockError::Error(err)) => {
                Err(Error::new(self.path, format!("cannot lock: {err}")))
            }
        }
    }

    fn acquired(self) -> FileLock {
        let mut file = self.file;
        // Best effort: a holder that cannot say who it is still holds the lock.
        let mut me = format!("{}", std::process::id());
        if self.stamp == Stamp::PidAndCommand {
            let args: Vec<String> = std::env::args().collect();
            me.push(' ');
            me.extend(args.join(" ").chars().filter(|c| !c.is_control()).take(200));
        }
        me.push('\n');
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(me.as_bytes()));
        FileLock { file }
    }

    pub fn holder(&self) -> Holder {
        let mut text = String::new();
        let mut file = &self.file;
        let _ = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.take(512).read_to_string(&mut text));
        Holder::parse(&text)
    }

    /// Waits at most `bound` for the holder to let go: `Acquired`, or `Busy` again when the time
    /// is up. Time is measured as time elapsed, never as a deadline, so no bound can overflow.
    pub fn wait(self, bound: Duration) -> Result<Locked> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        let mut busy = self;
        loop {
            busy = match busy.try_again()? {
                Locked::Busy(busy) => busy,
                acquired => return Ok(acquired),
            };
            let left = bound.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Ok(Locked::Busy(busy));
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_stamps_itself_and_clears_the_stamp_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let Ok(Locked::Acquired(held)) = try_lock(&path, Stamp::Pid) else {
            panic!("a fresh lock was not acquired");
        };
        let pid = std::process::id();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{pid}\n"));
        let Ok(Locked::Busy(busy)) = try_lock(&path, Stamp::Pid) else {
            panic!("a held lock was acquired twice");
        };
        assert_eq!(busy.holder().pid, Some(pid));
        assert_eq!(
            busy.holder().to_string(),
            format!("another ssoenv (pid {pid})")
        );
        drop(held);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        let Ok(Locked::Acquired(_again)) = busy.wait(Duration::ZERO) else {
            panic!("a released lock stayed busy");
        };
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with(&format!("{pid}\n"))
        );
    }

    #[test]
    fn holders_parse_with_or_without_a_command() {
        assert_eq!(
            Holder::parse("12 ssoenv login dev\n"),
            Holder {
                pid: Some(12),
                command: "ssoenv login dev".into()
            }
        );
        assert_eq!(Holder::parse("34\n").pid, Some(34));
        assert_eq!(Holder::parse("").pid, None);
        assert_eq!(Holder::parse("").to_string(), "another ssoenv");
    }
}
