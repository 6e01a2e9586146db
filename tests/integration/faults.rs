//! What a real machine throws at ssoenv: servers that hang, refuse or answer garbage, caches that
//! cannot be written, a missing HOME. Each gives a clear message, exit 1 and an empty stdout, or
//! works with a warning; none panics.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::engine::{CONFIG, World, eval_bash};
use crate::util::{Sandbox, assert_fails, stderr, stdout};

fn sandbox_pointing_at(url: &str) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.write_config(CONFIG);
    sb.env("AWS_ENDPOINT_URL_SSO_OIDC", url);
    sb.env("AWS_ENDPOINT_URL_SSO", url);
    sb.env("SSOENV_HTTP_TIMEOUT", "1");
    sb.env("SSOENV_LOGIN_TIMEOUT", "5");
    sb
}

fn assert_no_panic(err: &str) {
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

/// A server that answers every connection with `reply` (raw HTTP), or never answers when None.
fn raw_server(reply: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            match reply {
                Some(reply) => {
                    let _ = stream.write_all(reply.as_bytes());
                }
                None => held.push(stream), // keep it open, say nothing
            }
        }
    });
    url
}

#[test]
fn a_server_that_never_answers_times_out_naming_the_endpoint() {
    let url = raw_server(None);
    let sb = sandbox_pointing_at(&url);
    let started = Instant::now();
    let err = assert_fails(&sb.run(&["use", "dev", "--no-browser"]), 1);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.contains(&url), "{err}");
    // Each try's timeout, or the login's deadline when the tries would outlast it.
    assert!(err.contains("answer within"), "{err}");
    assert_no_panic(&err);
}

#[test]
fn a_refused_connection_is_explained() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let sb = sandbox_pointing_at(&url);
    let err = assert_fails(&sb.run(&["use", "dev", "--no-browser"]), 1);
    assert!(err.contains(&url), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert_no_panic(&err);
}

#[test]
fn garbage_replies_are_errors_not_panics() {
    for reply in [
        // A proxy's HTML error page.
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 44\r\nConnection: close\r\n\r\n<html><body>Bad gateway (proxy)</body></html>",
        // Success that is not JSON.
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        // JSON cut short.
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{\"clientId\": \"abc\", \"clientSe",
        // JSON of the wrong shape.
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]",
        // Not HTTP at all.
        "SSH-2.0-OpenSSH_9.2\r\n",
    ] {
        let url = raw_server(Some(reply));
        let sb = sandbox_pointing_at(&url);
        let err = assert_fails(&sb.run(&["use", "dev", "--no-browser"]), 1);
        assert!(err.starts_with("ssoenv: "), "{err}");
        assert_no_panic(&err);
        assert!(err.lines().count() <= 4, "a wall of text:\n{err}");
    }
}

#[test]
fn a_token_that_dies_between_two_calls_means_one_new_login() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    w.mock.expire_access_tokens();
    let env = w.use_ok(&["prod"]);
    assert_eq!(env["SSOENV_PROFILE"], "prod");
    assert_eq!(w.mock.authorize_hits(), 2);
}

#[test]
fn an_unwritable_cache_still_prints_credentials_with_a_warning() {
    let w = World::new().with_browser();
    // A file where the cache folders should be: no permission bit (or root) helps here.
    std::fs::write(w.path("cli"), "not a folder").unwrap();
    std::fs::write(w.path("sso"), "not a folder").unwrap();
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: could not cache the role credentials"),
        "{err}"
    );
    let env = eval_bash(&stdout(&out));
    assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
    assert_no_panic(&err);
}

#[test]
fn no_home_variable_is_no_panic() {
    let w = World::new().with_browser();
    let config = w.path("config");
    let out =
        w.sb.cmd(&["list", "--names"])
            .env_remove("HOME")
            .env("AWS_CONFIG_FILE", &config)
            .output()
            .unwrap();
    // Without $HOME the home folder comes from the password database, as for the AWS CLI;
    // either way the named config file is read.
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).lines().any(|l| l == "dev"));
}

#[test]
fn broken_config_files_give_one_clear_line() {
    for (text, expect) in [
        ("region = x\n", "before any [section]"),
        (
            "[profile a]\nthis is not a setting\n",
            "not a `key = value` line",
        ),
        (
            "[profile a]\ns3 =\n  max_concurrent_requests\n",
            "without `=`",
        ),
        ("[profile a]\nregion = a\nregion = b\n", "appears twice"),
    ] {
        let sb = Sandbox::new();
        sb.write_config(text);
        let err = assert_fails(&sb.run(&["use", "a"]), 1);
        assert!(err.contains(expect), "{text:?}: {err}");
        assert!(err.contains(".aws/config, line "), "{err}");
        assert_no_panic(&err);
    }
    let sb = Sandbox::new();
    std::fs::write(sb.aws("config"), b"[profile a]\nregion = \xff\xfe\n").unwrap();
    let err = assert_fails(&sb.run(&["list"]), 1);
    assert!(err.contains("not UTF-8"), "{err}");
}

#[test]
fn ten_thousand_profiles_resolve() {
    let sb = Sandbox::new();
    let mut text = String::from(CONFIG);
    for i in 0..10_000 {
        text.push_str(&format!(
            "\n[profile p{i}]\nsso_session = corp\nsso_account_id = {:012}\nsso_role_name = R\n",
            i
        ));
    }
    sb.write_config(&text);
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 10_003);
    let out = sb.run(&["status", "p9999", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_unusable_ca_bundle_is_named_not_bypassed() {
    let mut w = World::new().with_browser();
    let bundle = w.sb.home().join("corp-ca.pem");
    std::fs::write(&bundle, "not a certificate\n").unwrap();
    w.sb.env("AWS_CA_BUNDLE", bundle.to_str().unwrap());
    let err = assert_fails(&w.sb.run(&["use", "dev"]), 1);
    assert!(
        err.contains("AWS_CA_BUNDLE") && err.contains("corp-ca.pem"),
        "{err}"
    );
    assert!(
        err.contains("hint: fix the file AWS_CA_BUNDLE names"),
        "{err}"
    );
    assert_eq!(w.mock.total(), 0, "a request went out without the bundle");
    assert_no_panic(&err);
}

/// Runs `cmd` to its end, or kills it and fails once `limit` passes: a bound on the test, not a
/// timing assertion (the budgets under test are far below it).
fn run_bounded(mut cmd: std::process::Command, limit: Duration) -> std::process::Output {
    crate::util::output_within(&mut cmd, limit, "ssoenv")
}

/// `sh -c 'ulimit …; exec ssoenv ARGS'`: ssoenv under a resource limit.
fn limited(sb: &Sandbox, ulimit: &str, args: &[&str]) -> std::process::Command {
    let inner = sb.cmd(args);
    let script = format!("ulimit {ulimit} && exec \"$@\"");
    let mut cmd = std::process::Command::new("sh");
    cmd.env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(sb.home())
        .args(["-c", &script, "sh"])
        .arg(inner.get_program())
        .args(inner.get_args());
    cmd
}

#[test]
fn a_dripping_server_ends_the_command_within_its_budget_retries_included() {
    let mut w = World::new();
    w.seed_cli_token(8 * 3600);
    // One byte every 200 ms: no read ever times out, and each try has 10 s (SSOENV_HTTP_TIMEOUT).
    w.mock.set_drip(Some(Duration::from_millis(200)));
    w.sb.env("SSOENV_COMMAND_TIMEOUT", "2");
    let out = run_bounded(
        w.sb.cmd(&["use", "dev", "--shell", "bash"]),
        Duration::from_secs(90),
    );
    let err = assert_fails(&out, 1);
    let endpoint = format!("{}/federation/credentials", w.mock.url());
    assert!(err.contains(&endpoint), "{err}");
    assert!(
        err.contains(
            "no complete answer within the 2 s allowed (SSOENV_COMMAND_TIMEOUT), retries included"
        ),
        "{err}"
    );
    assert!(err.contains("try again later"), "{err}");
    assert_no_panic(&err);
}

#[test]
fn a_refresh_the_service_failed_is_never_sent_again() {
    let w = World::new().with_browser();
    // Five minutes left: inside the refresh window, still usable if the refresh fails.
    w.seed_cli_token(300);
    w.mock.fail_next_on("/token", 4);
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("could not refresh the SSO token"), "{err}");
    // The first try may have rotated the refresh token: a second would present a spent one.
    assert_eq!(w.mock.count_grant("refresh_token"), 1, "{err}");
}

#[test]
fn absurd_intervals_and_timeouts_never_abort() {
    // A server that asks for 2^63 s between polls.
    let w = World::with_mock(crate::support::MockSso::builder().interval(1 << 63).start())
        .with_browser();
    let out = run_bounded(
        w.sb.cmd(&["use", "dev", "--use-device-code", "--shell", "bash"]),
        Duration::from_secs(60),
    );
    let err = assert_fails(&out, 1);
    assert!(
        err.contains("asked to wait 9223372036854775808 s between checks"),
        "{err}"
    );
    assert_no_panic(&err);

    // Settings of 2^64 - 1 seconds: clamped, and the login works.
    for (name, value) in [
        ("SSOENV_LOGIN_TIMEOUT", "18446744073709551615"),
        ("SSOENV_HTTP_TIMEOUT", "18446744073709551615"),
        ("SSOENV_COMMAND_TIMEOUT", "1e300"),
    ] {
        let mut w = World::new().with_browser();
        w.sb.env(name, value);
        let out = run_bounded(
            w.sb.cmd(&["use", "dev", "--shell", "bash"]),
            Duration::from_secs(60),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{name}={value}: {err}");
        assert_no_panic(&err);
    }
}

#[test]
fn a_flood_of_idle_connections_and_failed_accepts_do_not_end_a_browser_login() {
    let mut w = World::new();
    // The browser tells the test where it was sent, then waits for the go-ahead.
    let seen = w.sb.home().join("browser-url");
    let go = w.sb.home().join("browser-go");
    let script = w.sb.home().join("slow-browser.sh");
    std::fs::write(
        &script,
        format!(
            "printf '%s\\n' \"$1\" > '{seen}.tmp' && mv '{seen}.tmp' '{seen}'\n\
             i=0; while [ ! -e '{go}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n\
             exec {browser} \"$1\"\n",
            seen = seen.display(),
            go = go.display(),
            browser = crate::support::browser_command(),
        ),
    )
    .unwrap();
    w.sb.env("BROWSER", format!("sh {}", script.display()));
    // Few descriptors: without a cap on connections, accept() fails long before the browser comes.
    let mut child = crate::util::spawn_piped(&mut limited(
        &w.sb,
        "-n 24",
        &["use", "dev", "--shell", "bash"],
    ));
    let started = Instant::now();
    let url = loop {
        if let Ok(url) = std::fs::read_to_string(&seen) {
            break url;
        }
        if started.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the browser was never opened: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let port: u16 = url
        .split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no loopback port in {url}"));
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the listener stopped after {i} connections: {e}"));
        if i % 3 == 0 {
            let _ = conn.write_all(b"GET /oauth/callback?state=");
        }
        idle.push(conn);
    }
    std::fs::write(&go, "").unwrap();
    let limit = Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(eval_bash(&stdout(&out))["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
    assert_eq!(w.mock.authorize_hits(), 1);
    drop(idle);
}

#[test]
fn an_endless_listing_stops_at_its_cap_in_bounded_memory() {
    let w = World::new();
    w.seed_cli_token(8 * 3600);
    // Full pages of 100 accounts with 4 KB names, forever: about 400 KB a page.
    w.mock.set_endless_pages(Some(4000));
    // A cap on address space: a listing that kept everything would fail to allocate (abort).
    let out = run_bounded(
        limited(&w.sb, "-v 2000000", &["populate", "--sso-session", "corp"]),
        Duration::from_secs(120),
    );
    let err = assert_fails(&out, 1);
    assert!(err.contains("ListAccounts"), "{err}");
    assert!(
        err.contains("the listing passed 100000 accounts (or 64 MiB)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}/assignment/accounts", w.mock.url())),
        "{err}"
    );
    assert_no_panic(&err);
    let config = std::fs::read_to_string(w.path("config")).unwrap();
    assert_eq!(config, CONFIG, "a failed listing must not touch the config");
}
