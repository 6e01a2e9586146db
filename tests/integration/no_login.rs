//! `ssoenv use --no-login`, what the shell integration runs before a prompt: reuse or refresh,
//! never a sign-in; status 1 with a clear message when one is needed.

use crate::engine::World;
use crate::util::{assert_fails, stderr};

#[test]
fn use_no_login_refreshes_but_never_signs_in() {
    let w = World::new().with_browser();
    let err = assert_fails(
        &w.sb.run(&["use", "--no-login", "--shell", "bash", "dev"]),
        1,
    );
    assert!(
        err.contains("not signed in, or the sign-in expired"),
        "{err}"
    );
    assert!(err.contains("ssoenv login"), "{err}");
    assert!(w.browser_visits().is_empty());
    assert_eq!(w.mock.total(), 0, "it talked to the service");

    // A token that must be refreshed first is refreshed.
    w.seed_cli_token(120);
    let exported = w.use_ok(&["--no-login", "dev"]);
    assert!(exported["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
    assert_eq!(w.mock.count_grant("refresh_token"), 1);
    assert_eq!(w.mock.device_authorizations() + w.mock.authorize_hits(), 0);
    assert!(w.browser_visits().is_empty());
}

#[test]
fn use_no_login_refuses_login_options() {
    let w = World::new();
    let out = w.sb.run(&["use", "--no-login", "--no-browser", "dev"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
