//! `ssoenv exec` and `ssoenv credential-process` against the mock.

use std::path::Path;
use std::process::Command;

use crate::engine::{CONFIG, World};
use crate::util::{assert_fails, stderr, stdout};

#[test]
fn the_childs_exit_status_passes_through() {
    let w = World::new().with_browser();
    let out = w.sb.run(&["exec", "dev", "--", "sh", "-c", "exit 42"]);
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn a_child_killed_by_sigterm_is_seen_as_killed_by_sigterm() {
    use std::os::unix::process::ExitStatusExt;
    let w = World::new().with_browser();
    let out =
        w.sb.run(&["exec", "dev", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.signal(), Some(15), "{out:?}");
}

#[test]
fn the_environment_reaches_the_child() {
    let mut w = World::new().with_browser();
    w.sb.env("AWS_PROFILE", "something-else");
    w.sb.env("AWS_SECRET_ACCESS_KEY", "stale");
    let exported = w.use_ok(&["dev"]);
    let out = w.sb.run(&["exec", "dev", "--", "env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = stdout(&out);
    let get = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    assert_eq!(
        get("AWS_ACCESS_KEY_ID").as_deref(),
        Some(exported["AWS_ACCESS_KEY_ID"].as_str())
    );
    assert_eq!(
        get("AWS_SECRET_ACCESS_KEY").as_deref(),
        Some(exported["AWS_SECRET_ACCESS_KEY"].as_str())
    );
    assert_eq!(get("SSOENV_PROFILE").as_deref(), Some("dev"));
    assert_eq!(get("AWS_REGION").as_deref(), Some("eu-west-1"));
    assert_eq!(get("AWS_PROFILE"), None, "exec must drop AWS_PROFILE");
}

#[test]
fn the_profile_active_in_the_shell_is_the_default() {
    let mut w = World::new().with_browser();
    w.sb.env("SSOENV_PROFILE", "prod");
    w.sb.env("AWS_PROFILE", "dev");
    let out =
        w.sb.run(&["exec", "--", "sh", "-c", "echo $SSOENV_ACCOUNT_ID"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "222222222222\n");
}

#[test]
fn a_missing_command_exits_127_and_an_unrunnable_one_126() {
    let w = World::new().with_browser();
    let err = assert_fails(
        &w.sb.run(&["exec", "dev", "--", "no-such-command-xyz"]),
        127,
    );
    assert!(
        err.contains("no-such-command-xyz: command not found"),
        "{err}"
    );
    let script = w.sb.home().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let err = assert_fails(
        &w.sb.run(&["exec", "dev", "--", script.to_str().unwrap()]),
        126,
    );
    assert!(err.contains("permission denied"), "{err}");
}

#[test]
fn credential_process_prints_the_sdk_json() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]); // signs in and caches
    let out = w.sb.run(&["credential-process", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(doc["SecretAccessKey"].is_string() && doc["SessionToken"].is_string());
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn credential_process_never_starts_a_login_in_the_background() {
    let w = World::new().with_browser();
    // stderr is a pipe here, as it is when an SDK runs the process.
    let err = assert_fails(&w.sb.run(&["credential-process", "dev"]), 1);
    assert!(err.contains("run `ssoenv login dev`"), "{err}");
    assert_eq!(w.mock.total(), 0, "it talked to the service");
    assert!(w.browser_visits().is_empty());
}

#[test]
fn botocore_resolves_a_credential_process_profile_through_ssoenv() {
    let python = crate::util::python_with_botocore();
    let w = World::new().with_browser();
    let exported = w.use_ok(&["dev"]);
    let config = format!(
        "{CONFIG}\n[profile via-process]\ncredential_process = {} credential-process dev\n",
        env!("CARGO_BIN_EXE_ssoenv")
    );
    std::fs::write(w.path("config"), config).unwrap();
    let script = "import botocore.session as s, json; \
                  c = s.Session(profile='via-process').get_credentials().get_frozen_credentials(); \
                  print(json.dumps([c.access_key, c.secret_key, c.token]))";
    let out = Command::new(python)
        .args(["-c", script])
        .env_clear()
        .env("HOME", w.sb.home())
        .current_dir(Path::new("/"))
        .output()
        .unwrap();
    let got: Vec<String> = crate::util::json_of(&out, "botocore");
    assert_eq!(got[0], exported["AWS_ACCESS_KEY_ID"]);
    assert_eq!(got[1], exported["AWS_SECRET_ACCESS_KEY"]);
    assert_eq!(got[2], exported["AWS_SESSION_TOKEN"]);
}
