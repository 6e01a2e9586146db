//! What ssoenv reads from its surroundings besides its arguments and files: the environment
//! variables that change how it works, and which standard streams are terminals. Read once at the
//! top of a command (`Settings::from_process`) and carried down (in `context::Context`), so the
//! code below is a function of its inputs and a test can hand it any surroundings. The clock is
//! passed down the same way, in `Context`. Left where they are resolved: the config and cache paths
//! (`config::Paths`, `cache::CacheDirs`) and the endpoint overrides (`sso::endpoint`), each read
//! in one place already.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::browser::{self, Browser};
use crate::deadline::parse_seconds;
use crate::env::Current;

pub const HTTP_TIMEOUT: &str = "SSOENV_HTTP_TIMEOUT";
pub const COMMAND_TIMEOUT: &str = "SSOENV_COMMAND_TIMEOUT";
pub const LOGIN_TIMEOUT: &str = "SSOENV_LOGIN_TIMEOUT";
pub const LOCK_TIMEOUT: &str = "SSOENV_LOCK_TIMEOUT";
pub const CA_BUNDLE: &str = "AWS_CA_BUNDLE";

const DAY: Duration = Duration::from_secs(86_400);
/// What one command may spend waiting on the services in all: two slow calls with a retry each.
/// A person at a browser and populate's own rate ceiling do not count (see `Http::extend`).
const COMMAND_BUDGET: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `SSOENV_HTTP_TIMEOUT`: connect and whole-request timeout of one HTTP call (at most 600 s);
    /// None for the built-in ones.
    pub http_timeout: Option<Duration>,
    /// `SSOENV_COMMAND_TIMEOUT`: what one command may spend waiting on the services (60 s, at
    /// most a day).
    pub command_timeout: Duration,
    /// `SSOENV_LOGIN_TIMEOUT`: how long a whole login may take, the person's part included
    /// (600 s, at most a day).
    pub login_timeout: Duration,
    /// How long to wait for another process's sign-in or refresh: `SSOENV_LOCK_TIMEOUT`, else the
    /// sign-in timeout plus a minute, so that a waiter outlasts any sign-in that can still
    /// succeed and no longer.
    pub lock_timeout: Duration,
    /// `AWS_CA_BUNDLE`: trust roots to use instead of the system's.
    pub ca_bundle: Option<PathBuf>,
    /// The browser a login may open: `$BROWSER`, else the desktop's unless over SSH or without a
    /// display (see `browser::detect`).
    pub browser: Option<Browser>,
    /// `NO_COLOR` is set and not empty.
    pub no_color: bool,
    pub profile: ProfileVars,
    /// `SSOENV_SHELL` and `SHELL`, for the shell to print for.
    pub ssoenv_shell: Option<String>,
    pub shell: Option<String>,
    /// The region variables `use` changes.
    pub current: Current,
    pub terminals: Terminals,
}

/// The variables that name a profile when a command is given none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileVars {
    /// `SSOENV_PROFILE`: the profile `use` made active in this shell.
    pub ssoenv_profile: Option<String>,
    pub aws_profile: Option<String>,
    pub aws_default_profile: Option<String>,
}

impl ProfileVars {
    /// The profile a command acts on: its argument, else `$AWS_PROFILE`, `$AWS_DEFAULT_PROFILE`,
    /// `default`.
    pub fn selected(&self, arg: Option<&str>) -> String {
        arg.map(str::to_string)
            .or_else(|| self.aws_profile.clone())
            .or_else(|| self.aws_default_profile.clone())
            .unwrap_or_else(|| "default".to_string())
    }

    /// The profile a command works on when given none after `use` or `awsuse` ran: the one
    /// active in the shell (`$SSOENV_PROFILE`; `use` unsets `AWS_PROFILE`), then `selected`'s
    /// rule.
    pub fn active(&self, arg: Option<&str>) -> String {
        match arg {
            Some(name) => name.to_string(),
            None => self
                .ssoenv_profile
                .clone()
                .unwrap_or_else(|| self.selected(None)),
        }
    }
}

/// Which standard streams are terminals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminals {
    pub fn of_process() -> Terminals {
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }

    /// Whether a person can answer a prompt or a picker: stdin and stderr are terminals. stdout
    /// does not matter; inside `awsuse` it is a pipe.
    pub fn can_ask(&self) -> bool {
        self.stdin && self.stderr
    }
}

impl Settings {
    pub fn from_process() -> Settings {
        Settings::from_vars(&|name| std::env::var_os(name), Terminals::of_process())
    }

    /// Reads the variables through `var` so that tests need not change the process's own.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<OsString>, terminals: Terminals) -> Settings {
        // As `std::env::var(..).ok()`: a value that is not UTF-8 counts as unset.
        let text = |name: &str| var(name).and_then(|v| v.into_string().ok());
        let non_empty = |name: &str| text(name).filter(|v| !v.is_empty());
        let seconds = |name: &str, default: Duration, max: Duration| {
            text(name)
                .and_then(|v| parse_seconds(&v))
                .unwrap_or(default)
                .min(max)
        };
        Settings {
            http_timeout: text(HTTP_TIMEOUT)
                .and_then(|v| parse_seconds(&v))
                .map(|t| t.min(Duration::from_secs(600))),
            command_timeout: seconds(COMMAND_TIMEOUT, COMMAND_BUDGET, DAY),
            login_timeout: seconds(LOGIN_TIMEOUT, Duration::from_secs(600), DAY),
            lock_timeout: lock_timeout(text(LOCK_TIMEOUT), text(LOGIN_TIMEOUT)),
            ca_bundle: var(CA_BUNDLE).filter(|v| !v.is_empty()).map(PathBuf::from),
            browser: browser::detect(&|name| text(name)),
            no_color: var("NO_COLOR").is_some_and(|v| !v.is_empty()),
            profile: ProfileVars {
                ssoenv_profile: non_empty("SSOENV_PROFILE"),
                aws_profile: non_empty("AWS_PROFILE"),
                aws_default_profile: non_empty("AWS_DEFAULT_PROFILE"),
            },
            ssoenv_shell: text("SSOENV_SHELL"),
            shell: text("SHELL"),
            current: Current {
                ssoenv_region: text("SSOENV_REGION"),
                aws_region: text("AWS_REGION"),
                aws_default_region: text("AWS_DEFAULT_REGION"),
            },
            terminals,
        }
    }
}

impl Default for Settings {
    /// An empty environment with no terminal: what a test starts from.
    fn default() -> Settings {
        Settings::from_vars(&|_| None, Terminals::default())
    }
}

/// `lock` seconds (zero allowed: do not wait), else `login` whole seconds (600) plus a minute.
fn lock_timeout(lock: Option<String>, login: Option<String>) -> Duration {
    if let Some(wait) = lock
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
    {
        return wait;
    }
    let login = login
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(600);
    Duration::from_secs(login.saturating_add(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Settings::from_vars(
            &|name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            },
            Terminals::default(),
        )
    }

    #[test]
    fn defaults_without_variables() {
        let s = Settings::default();
        assert_eq!(s.http_timeout, None);
        assert_eq!(s.command_timeout, Duration::from_secs(60));
        assert_eq!(s.login_timeout, Duration::from_secs(600));
        assert_eq!(s.lock_timeout, Duration::from_secs(660));
        assert_eq!(s.ca_bundle, None);
        assert!(!s.no_color);
        assert_eq!(s.profile.active(None), "default");
    }

    #[test]
    fn timeouts_parse_and_clamp() {
        let s = settings(&[
            (HTTP_TIMEOUT, "9999"),
            (COMMAND_TIMEOUT, "1e300"),
            (LOGIN_TIMEOUT, "120"),
        ]);
        assert_eq!(s.http_timeout, Some(Duration::from_secs(600)));
        assert_eq!(s.command_timeout, DAY);
        assert_eq!(s.login_timeout, Duration::from_secs(120));
        assert_eq!(s.lock_timeout, Duration::from_secs(180));
        let s = settings(&[(LOCK_TIMEOUT, "0"), (COMMAND_TIMEOUT, "0")]);
        assert_eq!(s.lock_timeout, Duration::ZERO);
        assert_eq!(s.command_timeout, Duration::from_secs(60));
        assert_eq!(
            settings(&[(LOGIN_TIMEOUT, "0.5")]).lock_timeout,
            Duration::from_secs(660)
        );
    }

    #[test]
    fn profiles_come_from_the_argument_then_the_shell_then_the_aws_variables() {
        let s = settings(&[
            ("SSOENV_PROFILE", "active"),
            ("AWS_PROFILE", ""),
            ("AWS_DEFAULT_PROFILE", "fallback"),
        ]);
        assert_eq!(s.profile.active(Some("named")), "named");
        assert_eq!(s.profile.active(None), "active");
        assert_eq!(s.profile.selected(None), "fallback");
        let s = settings(&[("AWS_PROFILE", "dev"), ("AWS_DEFAULT_PROFILE", "x")]);
        assert_eq!(s.profile.active(None), "dev");
    }

    #[test]
    fn empty_values_count_as_unset_where_they_always_did() {
        let s = settings(&[("NO_COLOR", ""), (CA_BUNDLE, ""), ("BROWSER", "  ")]);
        assert!(!s.no_color);
        assert_eq!(s.ca_bundle, None);
        assert!(settings(&[("NO_COLOR", "1")]).no_color);
        assert_eq!(
            settings(&[("BROWSER", "firefox")]).browser,
            Some(Browser::Command(vec!["firefox".into()]))
        );
    }
}
