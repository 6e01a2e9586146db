//! What reaches a terminal, a browser or a core file is safe whatever a config file or a server
//! holds: escapes are shown, never sent; only https (or loopback http) URLs are opened; parse
//! errors and server errors never quote a secret; the process cannot dump core.

use std::process::Output;

use crate::engine::{CONFIG, World};
use crate::support::{MockSso, routes};
use crate::util::{Sandbox, assert_fails, stderr, stdout};

/// ESC/CSI (colour), OSC (window title) ended by BEL, C1 CSI, DEL, and the bidi overrides.
const HOSTILE: &str = "x\x1b[31mred\x1b]0;title\x07\u{9b}2J\x7f\u{202e}gpj.exe\u{2066}y";

/// Any character a terminal would act on or that disguises text, other than the line breaks
/// between messages.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        })
        .collect()
}

#[track_caller]
fn assert_inert(what: &str, text: &str) {
    let found = raw_controls(text);
    assert!(found.is_empty(), "{what} sent {found:?} raw:\n{text:?}");
}

/// Both streams of a run: stderr always, stdout too (the tables of `list` and `status`).
#[track_caller]
fn assert_run_inert(args: &[&str], out: &Output) {
    assert_inert(&format!("stderr of {args:?}"), &stderr(out));
    assert_inert(&format!("stdout of {args:?}"), &stdout(out));
}

#[test]
fn hostile_names_in_the_config_are_shown_never_sent() {
    let mut sb = Sandbox::new();
    sb.write_config(&format!(
        "[sso-session s{HOSTILE}]\n\
         sso_start_url = https://mock.awsapps.com/start\n\
         sso_region = us-east-1\n\n\
         [profile p{HOSTILE}]\n\
         sso_session = s{HOSTILE}\n\
         sso_account_id = 111111111111\n\
         sso_role_name = r{HOSTILE}\n\n\
         [profile gone]\n\
         sso_session = missing{HOSTILE}\n\
         sso_account_id = 111111111111\n\
         sso_role_name = R\n\n\
         [profile broken{HOSTILE}]\n\
         sso_account_id = 111111111111\n"
    ));
    // Nothing listens here: `use` fails at the network, naming what it was doing.
    sb.env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
        .env("SSOENV_HTTP_TIMEOUT", "2");
    let profile = format!("p{HOSTILE}");
    let typo = format!("p{HOSTILE}z"); // near enough for "did you mean"
    let mut shown = String::new();
    for args in [
        &["status", &profile][..],
        &["list"],
        &["use", &typo, "--shell", "bash"],
        &["use", "gone", "--shell", "bash"],
        &["use", &format!("broken{HOSTILE}"), "--shell", "bash"],
        &["use", &profile, "--shell", "bash", "--no-browser"],
        &["login", &profile, "--no-browser"],
        &["logout", &profile],
    ] {
        let out = sb.run(args);
        assert_run_inert(args, &out);
        shown.push_str(&stderr(&out));
        shown.push_str(&stdout(&out));
    }
    // Each hostile character was shown as an escape: the paths above did print the names.
    for escape in [
        "\\x1b[31m",
        "\\x07",
        "\\x9b",
        "\\x7f",
        "\\u{202e}",
        "\\u{2066}",
    ] {
        assert!(shown.contains(escape), "{escape} never shown:\n{shown}");
    }
    assert!(shown.contains(&format!("p{}", "x\\x1b[31mred")), "{shown}");
    assert!(shown.contains(&format!("r{}", "x\\x1b[31mred")), "{shown}");
    assert!(
        shown.contains(&format!("missing{}", "x\\x1b[31mred")),
        "{shown}"
    );
}

#[test]
fn usage_errors_quoting_what_was_typed_are_shown_never_sent() {
    let sb = Sandbox::new();
    for args in [
        &["use", "dev", "--shell", HOSTILE][..],
        &[HOSTILE],
        &["use", &format!("--{HOSTILE}")],
    ] {
        let out = sb.run(args);
        assert_fails(&out, 2);
        assert_run_inert(args, &out);
        // (clap drops the ANSI sequences itself; the rest is shown.)
        assert!(stderr(&out).contains("\\u{202e}"), "{}", stderr(&out));
    }
}

#[test]
fn a_hostile_user_code_is_shown_never_sent() {
    let w = World::with_mock(MockSso::builder().interval(0).start()).with_browser();
    w.mock
        .set_device_display(Some(&format!("AB{HOSTILE}CD")), None);
    let args = ["login", "dev", "--use-device-code"];
    let out = w.sb.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_run_inert(&args, &out);
    assert!(
        stderr(&out).contains("the code ABx\\x1b[31mred"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_sign_in_url_that_is_not_https_never_reaches_the_browser_or_the_terminal() {
    let w = World::new().with_browser();
    let loopback_with_escape = format!("{}/device?user_code=X{HOSTILE}", w.mock.url());
    for url in [
        "--foo",
        "--new-window=file:///etc/passwd",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://example.com/device?user_code=ABCD",
        "https://user@example.com/",
        &loopback_with_escape,
    ] {
        w.mock.set_device_display(None, Some(url));
        let args = ["login", "dev", "--use-device-code"];
        let err = assert_fails(&w.sb.run(&args), 1);
        assert_inert(&format!("login with {url:?}"), &err);
        assert!(
            err.contains("the sign-in page the service at http://127.0.0.1:")
                && err.contains("cannot be opened"),
            "{url}: {err}"
        );
        assert!(err.contains("ssoenv: hint: "), "{err}");
        assert!(!err.contains(url), "the URL was shown: {err}");
        assert_eq!(w.browser_visits(), Vec::<String>::new(), "{url}");
    }
    // The same login with the service's own URL opens the browser and succeeds.
    w.mock.set_device_display(None, None);
    let out = w.sb.run(&["login", "dev", "--use-device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.browser_visits().len(), 1);
}

/// A secret-looking value in a malformed line: no part of it may appear in the error.
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";

fn assert_names_the_line_not_the_secret(err: &str, file: &str, line: usize) {
    for start in 0..SECRET.len() - 6 {
        let piece = &SECRET[start..start + 6];
        assert!(
            !err.contains(piece),
            "{piece:?} of the secret shown:\n{err}"
        );
    }
    assert!(
        err.contains(&format!("{file}, line {line}:")),
        "file and line not named:\n{err}"
    );
}

#[test]
fn a_malformed_credentials_or_config_file_never_shows_a_secret() {
    let shapes = [
        // a wrapped value: the rest of the key on a line of its own
        (
            format!(
                "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key =\n{SECRET}\n"
            ),
            4,
            None,
        ),
        // an indented continuation that is not `key = value` in a nested block
        (
            format!("[default]\naws_secret_access_key =\n  {SECRET}\n"),
            3,
            Some("aws_secret_access_key"),
        ),
        // a missing `=`
        (
            format!("[default]\naws_secret_access_key {SECRET}\n"),
            2,
            None,
        ),
        // the key twice
        (
            format!(
                "[default]\naws_secret_access_key = {SECRET}\naws_secret_access_key = {SECRET}\n"
            ),
            3,
            Some("aws_secret_access_key"),
        ),
        // before any section
        (
            format!("aws_session_token = {SECRET}\n[default]\n"),
            1,
            None,
        ),
        (format!("{SECRET}\n[default]\n"), 1, None),
    ];
    for (text, line, key) in &shapes {
        for file in ["credentials", "config"] {
            let sb = Sandbox::new();
            sb.write_config(CONFIG);
            std::fs::write(sb.aws(file), text).unwrap();
            for args in [&["list"][..], &["use", "dev", "--shell", "bash"]] {
                let err = assert_fails(&sb.run(args), 1);
                let path = sb.aws(file);
                assert_names_the_line_not_the_secret(&err, &path.display().to_string(), *line);
                if let Some(key) = key {
                    assert!(err.contains(key), "key not named:\n{err}");
                }
            }
        }
    }
}

/// Runs `args` while the mock quotes back every secret `route` is sent; checks none was shown.
#[track_caller]
fn assert_echo_redacted(w: &World, route: &str, args: &[&str]) {
    let before = w.mock.echoed_secrets().len();
    w.mock.echo_secrets_next_on(route, 1);
    let out = w.sb.run(args);
    let err = stderr(&out);
    let echoed = w.mock.echoed_secrets();
    assert!(
        echoed.len() > before,
        "{route} was never asked during {args:?}: {err}"
    );
    for secret in &echoed[before..] {
        assert!(
            secret.len() >= 8,
            "too short to be a secret: {secret:?} ({route})"
        );
        for piece in [&secret[..8], &secret[secret.len() - 8..]] {
            assert!(
                !err.contains(piece),
                "{route}: part of a secret ({piece:?}) shown:\n{err}"
            );
        }
    }
    assert!(
        err.contains("you sent:") || err.contains("Echo"),
        "{route}: the echoed error was not reported at all:\n{err}"
    );
}

#[test]
fn secrets_echoed_by_any_endpoint_are_never_shown() {
    let w = World::new().with_browser();
    // sso-oidc: the device login (client secret, then device code too), and PKCE (the
    // authorization code and verifier).
    assert_echo_redacted(
        &w,
        routes::DEVICE_AUTHORIZATION,
        &["login", "dev", "--use-device-code"],
    );
    assert_echo_redacted(&w, routes::TOKEN, &["login", "dev", "--use-device-code"]);
    assert_echo_redacted(&w, routes::TOKEN, &["login", "dev"]);
    // A refresh (client secret and refresh token): the SSO token is near its end.
    w.seed_cli_token(60);
    assert_echo_redacted(&w, routes::TOKEN, &["use", "dev", "--shell", "bash"]);
    // The portal (the bearer token): role credentials, the account list, logout.
    w.seed_cli_token(3600);
    assert_echo_redacted(
        &w,
        routes::CREDENTIALS,
        &["use", "prod", "--shell", "bash", "--force-refresh"],
    );
    assert_echo_redacted(&w, routes::ACCOUNTS, &["populate", "--dry-run"]);
    assert_echo_redacted(&w, routes::LOGOUT, &["logout", "dev"]);
}

/// The core file size limits of a process, from /proc/PID/limits (soft limit first).
#[cfg(target_os = "linux")]
fn core_limit(pid: u32) -> String {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| l["Max core file size".len()..].trim().to_string())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_running_ssoenv_can_dump_no_core() {
    use crate::util::spawn_piped;
    use std::os::unix::fs::MetadataExt;
    use std::time::Duration;
    // A login that waits for an approval that never comes keeps the process alive to look at.
    let w = World::with_mock(MockSso::builder().interval(0).auto_approve(false).start());
    let mut cmd = std::process::Command::new("sh");
    // The shell allows cores first (raising the soft limit up to the hard one), so the test
    // sees ssoenv lower it rather than an inherited 0.
    cmd.args([
        "-c",
        "ulimit -S -c \"$(ulimit -H -c)\" && exec \"$0\" login dev --no-browser",
        env!("CARGO_BIN_EXE_ssoenv"),
    ]);
    let plain = w.sb.cmd(&[]);
    cmd.env_clear();
    for (k, v) in plain.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.current_dir(w.sb.home());
    let mut child = spawn_piped(&mut cmd);
    let polling = w
        .mock
        .wait_for_count(routes::TOKEN, 1, Duration::from_secs(20));
    let pid = child.id();
    let limit = core_limit(pid);
    let owner = std::fs::metadata(format!("/proc/{pid}")).map(|m| m.uid());
    let me = std::fs::metadata("/proc/self").map(|m| m.uid());
    let _ = child.kill();
    let _ = child.wait();
    assert!(polling, "ssoenv never started polling for the login");
    // (With a hard limit of 0 the shell could not raise it: then this shows less, but holds.)
    assert!(
        limit.starts_with("0 "),
        "the soft core limit of a running ssoenv is not 0: {limit}"
    );
    // Not dumpable: the kernel hands its /proc files to root (visible only when we are not root).
    if let (Ok(owner), Ok(me)) = (owner, me)
        && me != 0
    {
        assert_eq!(
            owner, 0,
            "/proc/{pid} still belongs to uid {me}: still dumpable"
        );
    }
}
