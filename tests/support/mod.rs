//! The mock IAM Identity Center and test helpers.
//!
//! * [`mock`]: `MockSso`, an sso-oidc + portal server on 127.0.0.1 (re-exported here).
//! * [`browser_command`]: a `BROWSER` value that approves logins like a person would.
#![allow(dead_code)]

pub mod mock;

#[allow(unused_imports)]
pub use mock::*;

use std::path::PathBuf;

/// `tests/support/browser.sh`: fetches the URL it is given with curl, following redirects
/// (approving a device code, or completing a PKCE login through ssoenv's loopback listener), and
/// appends the URL to `$SSOENV_TEST_BROWSER_LOG` when that is set.
pub fn browser_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/browser.sh")
}

/// The `BROWSER` value to give ssoenv: `sh /abs/path/tests/support/browser.sh`
/// (the path single-quoted for shell-words when it holds anything unusual).
pub fn browser_command() -> String {
    let path = browser_script().to_string_lossy().into_owned();
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%,".contains(&b));
    if plain {
        format!("sh {path}")
    } else {
        format!("sh '{}'", path.replace('\'', r"'\''"))
    }
}
