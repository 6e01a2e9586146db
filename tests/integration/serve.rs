//! `ssoenv exec --serve`: a command gets its credentials from an endpoint on 127.0.0.1, asked by
//! the real botocore, and fresh ones when the first run out, with no sign-in; strangers are
//! refused; a needed sign-in is an error for the SDK and one line for the person; the command's
//! status and signals pass through as with plain `exec`.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engine::{CORP_TOKEN, World};
use crate::util::{spawn_piped, stderr, stdout};

fn child_script() -> PathBuf {
    crate::util::support_file("container_child.py")
}

/// `World::short_lived` whose SSO token, as the AWS CLI left it, must be refreshed before use.
/// No BROWSER: a sign-in could not complete.
fn short_lived() -> World {
    World::short_lived(120)
}

/// `ssoenv exec --serve PROFILE -- python3 container_child.py ARGS...`, which must succeed, and
/// the child's JSON.
pub(crate) fn serve_child(w: &World, profile: &str, args: &[&str]) -> (Output, Value) {
    let python = crate::util::python_with_botocore();
    let script = child_script();
    let mut full = vec![
        "exec",
        "--serve",
        profile,
        "--",
        python.to_str().unwrap(),
        script.to_str().unwrap(),
    ];
    full.extend_from_slice(args);
    let out = w.sb.run(&full);
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    let doc =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out, doc)
}

fn signed_in_anew(w: &World) -> usize {
    w.mock.device_authorizations() + w.mock.authorize_hits()
}

#[test]
fn botocore_gets_fresh_credentials_from_the_endpoint_with_no_sign_in() {
    let mut w = short_lived();
    // Inherited, each of these would outrank the endpoint or name another profile.
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", "AKIASTALE"),
        ("AWS_SECRET_ACCESS_KEY", "stale"),
        ("AWS_SESSION_TOKEN", "stale"),
        ("AWS_PROFILE", "prod"),
        (
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent"),
        ("SSOENV_EXPIRES_AT", "1"),
    ] {
        w.sb.env(name, value);
    }
    let (out, doc) = serve_child(&w, "dev", &["twice"]);
    assert_eq!(doc["method"], "container-role", "{doc}");
    let first = doc["first"].as_array().unwrap();
    let second = doc["second"].as_array().unwrap();
    assert!(first[0].as_str().unwrap().starts_with("ASIA"), "{doc}");
    assert_ne!(first, second, "the second read got the same credentials");
    assert!(
        w.mock.credentials_issued() >= 3,
        "{}",
        w.mock.credentials_issued()
    );
    // The SSO token was refreshed, and nobody was asked to sign in.
    assert!(w.mock.count_grant("refresh_token") >= 1);
    assert_eq!(signed_in_anew(&w), 0);
    assert!(w.browser_visits().is_empty());
    let env = &doc["env"];
    for gone in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "SSOENV_EXPIRES_AT",
    ] {
        assert!(env[gone].is_null(), "{gone} reached the command: {env}");
    }
    assert_eq!(env["SSOENV_PROFILE"], "dev");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    let uri = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].as_str().unwrap();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"].as_str().unwrap();
    assert!(token.len() >= 40, "{token}");
    assert!(!stderr(&out).contains(token), "{}", stderr(&out));
}

#[test]
fn the_endpoint_answers_only_its_token() {
    let w = short_lived();
    let (out, doc) = serve_child(&w, "dev", &["auth"]);
    for (case, status) in [
        ("missing", 401),
        ("wrong", 403),
        ("bearer", 403),
        ("right", 200),
        ("post", 405),
        ("elsewhere", 404),
    ] {
        assert_eq!(doc[case][0], status, "{case}: {doc}");
    }
    let right = &doc["right"][1];
    for key in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
        assert!(right[key].is_string(), "{key}: {right}");
    }
    assert_eq!(right["AccountId"], "111111111111");
    for refused in ["missing", "wrong", "bearer"] {
        assert!(doc[refused][1]["Message"].is_string(), "{doc}");
        assert!(doc[refused][1].get("AccessKeyId").is_none());
    }
    // The token reaches the command's environment only: not ssoenv's argv, not stderr.
    let token = doc["env"]["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        .as_str()
        .unwrap();
    let argv = doc["parent_argv"].as_str().unwrap();
    assert!(argv.contains("--serve"), "{argv}");
    assert!(!argv.contains(token));
    assert!(!stderr(&out).contains(token));
}

#[test]
fn a_needed_sign_in_is_an_error_for_the_sdk_and_one_line_for_the_person() {
    let w = World::short_lived(8 * 3600);
    let token_file = w.path(CORP_TOKEN);
    let (out, doc) = serve_child(&w, "dev", &["login-needed", token_file.to_str().unwrap()]);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{doc}");
    for e in errors {
        let e = e.as_str().unwrap();
        assert!(e.contains("run `ssoenv login dev`"), "{e}");
    }
    let err = stderr(&out);
    // (The seeded token file's mode earns a warning of its own.)
    let lines: Vec<&str> = err.lines().filter(|l| !l.contains("warning:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("ssoenv: exec --serve: "), "{err}");
    assert!(lines[0].contains("`ssoenv login dev`"), "{err}");
    assert_eq!(signed_in_anew(&w), 0);
}

#[test]
fn the_commands_status_passes_through() {
    let w = short_lived();
    for (script, code) in [("exit 0", 0), ("exit 42", 42), ("kill -TERM $$", 128 + 15)] {
        let out =
            w.sb.run(&["exec", "--serve", "dev", "--", "sh", "-c", script]);
        assert_eq!(out.status.code(), Some(code), "{script}: {}", stderr(&out));
    }
    let out =
        w.sb.run(&["exec", "--serve", "dev", "--", "no-such-command-xyz"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
}

/// Starts `ssoenv exec --serve dev -- sh -c SCRIPT`, waits for its first line on stdout (the
/// script prints its pid, then waits), and returns the process and that line.
fn start_waiting(w: &World, script: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = spawn_piped(
        &mut w
            .sb
            .cmd(&["exec", "--serve", "dev", "--", "sh", "-c", script]),
    );
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

fn kill(pid: u32, signal: libc::c_int) {
    // SAFETY: kill takes plain integers.
    assert_eq!(
        unsafe { libc::kill(i32::try_from(pid).unwrap(), signal) },
        0
    );
}

fn wait_with_deadline(child: &mut std::process::Child) -> std::process::ExitStatus {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < until, "ssoenv did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_and_sighup_are_passed_on_and_sigint_is_left_to_the_command() {
    let w = short_lived();
    // SIGTERM and SIGHUP sent to ssoenv reach the command, which says so with its status.
    for (signal, code) in [(libc::SIGTERM, 7), (libc::SIGHUP, 9)] {
        let (mut child, _) = start_waiting(
            &w,
            "trap 'exit 7' TERM; trap 'exit 9' HUP; echo ready; while :; do sleep 0.05; done",
        );
        kill(child.id(), signal);
        let status = wait_with_deadline(&mut child);
        assert_eq!(status.code(), Some(code), "signal {signal}");
    }
    // SIGINT (the terminal's Ctrl-C goes to the whole group) leaves ssoenv alive, and the
    // command, which did not inherit an ignored SIGINT, dies of it: 128+2.
    let (mut child, pid) = start_waiting(&w, "echo $$; exec sleep 30");
    kill(child.id(), libc::SIGINT);
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "SIGINT ended ssoenv");
    kill(pid.parse().unwrap(), libc::SIGINT);
    let status = wait_with_deadline(&mut child);
    assert_eq!(status.code(), Some(130));
}
