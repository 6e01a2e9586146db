//! The caches under attack and under races: a logout racing a fetch, a process killed mid-write,
//! credentials no shell can hold, a login lock held by a stopped process, planted links and loose
//! modes, and which profile a command without a name works on.

use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant, SystemTime};

use crate::engine::{CORP_TOKEN, World};
#[cfg(unix)]
use crate::support::MockSso;
use crate::support::{now_ms, routes};
use crate::util::{assert_fails, spawn_piped, stderr, stdout};

#[cfg(unix)]
/// The lock file of [sso-session corp]: `.ssoenv-{token key}.lock`.
const CORP_LOCK: &str = "sso/cache/.ssoenv-ee0bfd2552fbd840c02cc48b6e823320543c450f.lock";

/// Polls `done` until it holds; fails naming `what` after 30 s.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
/// Runs `cmd` to its end, failing (and killing it) when it is still running after 30 s.
fn run_bounded(cmd: &mut Command, what: &str) -> Output {
    crate::util::output_within(cmd, Duration::from_secs(30), what)
}

fn role_files(w: &World) -> Vec<PathBuf> {
    std::fs::read_dir(w.path("cli/cache"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect()
}

#[track_caller]
fn assert_signed_out(w: &World) {
    assert!(
        !w.path(CORP_TOKEN).exists(),
        "the token survived the logout"
    );
    assert_eq!(
        role_files(w),
        Vec::<PathBuf>::new(),
        "role credentials survived"
    );
}

// ---- item 7: logout wins ---------------------------------------------------------------------

#[test]
fn logout_wins_over_role_credentials_fetched_meanwhile() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    // The service issues the credentials at once; they reach ssoenv after the logout finished.
    w.mock
        .set_reply_delay_on(routes::CREDENTIALS, Duration::from_secs(2));
    let fetch = spawn_piped(&mut w.sb.cmd(&["use", "dev", "--shell", "bash"]));
    wait_until("the GetRoleCredentials request", || {
        w.mock.count(routes::CREDENTIALS) >= 1
    });
    let out = w.sb.run(&["logout", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = fetch.wait_with_output().unwrap();
    assert_signed_out(&w);
}

#[test]
fn logout_wins_over_a_refresh_in_flight() {
    let w = World::new();
    w.seed_cli_token(300); // under 15 minutes left: the next fetch refreshes it first
    // The refresh is done at the service (a new token exists) but its reply is still on the way.
    w.mock
        .set_reply_delay_on(routes::TOKEN, Duration::from_secs(2));
    let fetch = spawn_piped(&mut w.sb.cmd(&["credential-process", "dev"]));
    wait_until("the refresh", || w.mock.count_grant("refresh_token") >= 1);
    let out = w.sb.run(&["logout", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = fetch.wait_with_output().unwrap();
    assert_signed_out(&w);
    // It waited for the refresh to finish, and said for whom.
    assert!(
        stderr(&out).contains("waiting for another ssoenv (pid "),
        "{}",
        stderr(&out)
    );
}

// ---- item 8: temporary files ------------------------------------------------------------------

fn plant_temp(dir: &Path, name: &str, age: Duration) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, r#"{"accessToken": "left-behind"}"#).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
    path
}

#[test]
fn logout_all_removes_temporary_files_a_killed_ssoenv_left() {
    let w = World::new();
    let hour = Duration::from_secs(3600);
    let stale = [
        plant_temp(
            &w.path("sso/cache"),
            ".ssoenv-tmp-4242-0123456789abcdef.tmp",
            hour,
        ),
        plant_temp(
            &w.path("cli/cache"),
            ".ssoenv-tmp-4242-fedcba9876543210.tmp",
            hour,
        ),
        // As versions before this one named them.
        plant_temp(&w.path("sso/cache"), ".x.json.ssoenv-4242-99.tmp", hour),
    ];
    // Another ssoenv may be between its write and its rename right now.
    let fresh = plant_temp(
        &w.path("sso/cache"),
        ".ssoenv-tmp-4343-00000000000000aa.tmp",
        Duration::ZERO,
    );
    let out = w.sb.run(&["logout", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for path in &stale {
        assert!(!path.exists(), "{} survived `logout --all`", path.display());
    }
    assert!(
        fresh.exists(),
        "a temporary file still being written was removed"
    );
}

#[test]
fn the_next_cache_write_removes_stale_temporary_files() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    let stale = plant_temp(
        &w.path("cli/cache"),
        ".ssoenv-tmp-4242-0123456789abcdef.tmp",
        Duration::from_secs(3600),
    );
    w.use_ok(&["dev"]);
    assert!(
        !stale.exists(),
        "the role-credential write left a stale temporary file"
    );
}

// ---- item 9: credentials no shell can hold -----------------------------------------------------

#[test]
fn credentials_with_a_nul_are_refused_and_not_cached() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    w.mock.set_secret_access_key(Some("wJalr\0XUtnFEMI"));
    for args in [
        &["use", "dev", "--shell", "bash"][..],
        &["credential-process", "dev"],
    ] {
        let err = assert_fails(&w.sb.run(args), 1);
        assert!(
            err.contains("secretAccessKey holds a control character"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{}/federation/credentials", w.mock.url())),
            "{err}"
        );
        assert!(!err.contains("wJalr"), "the secret reached stderr: {err}");
        assert_eq!(
            role_files(&w),
            Vec::<PathBuf>::new(),
            "refused credentials were cached"
        );
    }
    // Nothing was cached, so the next run is not stuck with them.
    w.mock.set_secret_access_key(None);
    w.use_ok(&["dev"]);
}

#[test]
fn credentials_that_already_expired_are_an_error_not_an_export() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    w.mock
        .set_role_credentials_expiration_ms(Some(now_ms() - 3_600_000));
    let err = assert_fails(&w.sb.run(&["use", "dev", "--shell", "bash"]), 1);
    assert!(err.contains("already past"), "{err}");
    assert!(
        err.contains(&format!("{}/federation/credentials", w.mock.url())),
        "{err}"
    );
    assert_eq!(
        role_files(&w),
        Vec::<PathBuf>::new(),
        "expired credentials were cached"
    );
}

#[test]
fn a_cached_entry_no_shell_can_hold_is_fetched_again() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    w.use_ok(&["dev"]);
    let [path] = &role_files(&w)[..] else {
        panic!("expected one role file");
    };
    // As an earlier version may have cached it: valid for an hour, with a NUL in the secret.
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    file["Credentials"]["SecretAccessKey"] = "bad\0key".into();
    std::fs::write(path, file.to_string()).unwrap();
    let env = w.use_ok(&["dev"]);
    assert!(
        env["AWS_SECRET_ACCESS_KEY"].starts_with("mockSecret"),
        "{env:?}"
    );
    assert_eq!(w.mock.credentials_issued(), 2);
}

// ---- item 10: a bounded wait for a stopped holder ------------------------------------------------

#[cfg(unix)]
/// A process that is killed when the test ends, whatever happens (SIGKILL ends a stopped one too).
struct Holder(Child);

#[cfg(unix)]
impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig} {pid} failed");
}

#[cfg(unix)]
#[test]
fn a_stopped_sign_in_blocks_nobody_for_long_and_is_named() {
    let mut w = World::with_mock(MockSso::builder().interval(0).auto_approve(false).start());
    // A second ssoenv signs in with a device code that nobody approves, and is then stopped
    // (Ctrl-Z): it holds the login lock.
    let holder = Holder(spawn_piped(&mut w.sb.cmd(&[
        "login",
        "dev",
        "--use-device-code",
    ])));
    let pid = holder.0.id();
    wait_until("the holder's device authorization", || {
        w.mock.device_authorizations() >= 1
    });
    signal(pid, "-STOP");

    // credential-process can sign in nobody: it fails at once.
    let out = run_bounded(
        &mut w.sb.cmd(&["credential-process", "dev"]),
        "credential-process",
    );
    let err = assert_fails(&out, 1);
    assert!(err.contains(&format!("pid {pid}")), "{err}");
    assert!(err.contains("is signing in right now"), "{err}");
    assert!(err.contains(&format!("kill {pid}")), "{err}");

    // `use` waits, but only as long as it is told to.
    w.sb.env("SSOENV_LOCK_TIMEOUT", "1");
    let out = run_bounded(&mut w.sb.cmd(&["use", "prod", "--shell", "bash"]), "use");
    let err = assert_fails(&out, 1);
    assert!(err.contains(&format!("pid {pid}")), "{err}");
    assert!(err.contains("login dev --use-device-code"), "{err}");
    assert!(err.contains("SSOENV_LOCK_TIMEOUT"), "{err}");
    drop(holder);
}

// ---- item 17: cache hygiene -------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_link_planted_at_the_lock_is_not_followed() {
    let w = World::new();
    w.seed_cli_token(300); // a refresh: it takes the lock
    let target = w.sb.home().join("created-through-the-link");
    std::os::unix::fs::symlink(&target, w.path(CORP_LOCK)).unwrap();
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(
        !target.exists(),
        "the lock was opened through the planted link"
    );
    assert!(stdout(&out).contains("AWS_SECRET_ACCESS_KEY"));
}

#[cfg(unix)]
#[test]
fn cache_files_and_folders_open_to_other_users_are_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    w.use_ok(&["dev"]);
    let role = role_files(&w).remove(0);
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    set(&w.path(CORP_TOKEN), 0o644);
    set(&role, 0o640);
    set(&w.path("sso/cache"), 0o777);
    set(&w.path("cli/cache"), 0o770);
    let out = w.sb.run(&["status", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("was open to other users (mode 644)"), "{err}");
    assert!(err.contains("was open to other users (mode 640)"), "{err}");
    assert!(err.contains("could replace the files in"), "{err}");
    assert_eq!(mode(&w.path(CORP_TOKEN)), 0o600);
    assert_eq!(mode(&role), 0o600);
    assert_eq!(mode(&w.path("sso/cache")), 0o700);
    assert_eq!(mode(&w.path("cli/cache")), 0o700);
    let again = w.sb.run(&["status", "dev"]);
    assert!(!stderr(&again).contains("warning"), "{}", stderr(&again));
}

// ---- item 20: no name means the profile active in the shell ------------------------------------

/// A world where `awsuse prod` ran: `SSOENV_PROFILE=prod`, no `AWS_PROFILE`, no `default`.
fn prod_active() -> World {
    let mut w = World::new().with_browser();
    w.sb.env("SSOENV_PROFILE", "prod");
    w
}

#[test]
fn status_without_a_name_shows_the_active_profile() {
    let w = prod_active();
    let out = w.sb.run(&["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("profile      prod "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn credential_process_without_a_name_serves_the_active_profile() {
    let w = prod_active();
    w.seed_cli_token(8 * 3600);
    let out = w.sb.run(&["credential-process"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"AccessKeyId\":\"ASIA"),
        "{}",
        stdout(&out)
    );
    let asked = w.mock.requests_to(routes::CREDENTIALS);
    assert_eq!(asked[0].query_param("account_id"), Some("222222222222"));
}

#[test]
fn login_without_a_name_signs_in_for_the_active_profile() {
    let mut w = prod_active();
    // prod's session is corp's; make the active one the legacy profile to tell them apart.
    w.sb.env("SSOENV_PROFILE", "legacy");
    let out = w.sb.run(&["login", "--use-device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("signed in to https://legacy.awsapps.com/start"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn logout_without_a_name_ends_the_active_profiles_session() {
    let w = prod_active();
    w.seed_cli_token(8 * 3600);
    let out = w.sb.run(&["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("signed out of 1 SSO session;"),
        "{}",
        stderr(&out)
    );
    assert!(!w.path(CORP_TOKEN).exists());
}
