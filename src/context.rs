//! What the engine works in, built once by a command and passed down: where the caches are, the
//! person (`Ui`), the settings read from the environment, the clock, and the HTTP agent, which is
//! built on first use so that a command answered from the caches (the cached `use`) never builds
//! one. Also the `Policy` saying which kind of login may start. `login` and `auth` both take a
//! `Context`; neither depends on the other for it.

use std::cell::OnceCell;

use crate::cache::CacheDirs;
use crate::settings::Settings;
use crate::sso::Http;
use crate::time;
use crate::ui::Ui;

pub struct Context<'a> {
    pub dirs: CacheDirs,
    pub ui: &'a dyn Ui,
    pub settings: &'a Settings,
    /// Epoch seconds. A function, not a value read once: a wait for another process's sign-in
    /// may take minutes, and what the caches hold is judged at the time it is read.
    clock: fn() -> i64,
    http: OnceCell<Http>,
}

impl<'a> Context<'a> {
    pub fn new(dirs: CacheDirs, ui: &'a dyn Ui, settings: &'a Settings) -> Context<'a> {
        Context {
            dirs,
            ui,
            settings,
            clock: time::now,
            http: OnceCell::new(),
        }
    }

    /// The HTTP agent, with the timeouts and trust roots of `settings`, and the command's deadline
    /// starting when it is first needed.
    pub fn http(&self) -> &Http {
        self.http.get_or_init(|| Http::new(self.settings))
    }

    /// Epoch seconds, now.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// What kind of login may start when one is needed.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub no_browser: bool,
    pub use_device_code: bool,
    /// True when nobody could see a login (credential-process in the background).
    pub no_login: bool,
}
