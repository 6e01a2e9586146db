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
    assert!(err.contains("no answer within"), "{err}");
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
