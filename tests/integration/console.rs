//! `ssoenv console` against the mock: the federation sign-in (getSigninToken for the role
//! credentials, then the login URL the browser visits), pages and partitions, the link on stdout
//! only with `--print`, and no secret (keys, session token, SigninToken) ever on stderr.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::engine::{CONFIG, World};
use crate::support::{ConsoleLogin, parse_query};
use crate::util::{assert_fails, stderr, stdout, tool};

/// The query parameter `name` of `url`.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    parse_query(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The console sign-ins the browser completed, once there are `n` (the browser runs on after
/// ssoenv has exited).
fn logins(w: &World, n: usize) -> Vec<ConsoleLogin> {
    let start = Instant::now();
    loop {
        let logins = w.mock.console_logins();
        if logins.len() >= n || start.elapsed() > Duration::from_secs(15) {
            return logins;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The role credentials cached for `profile` (as `use` exports them): key, secret, token.
fn cached_secrets(w: &World, profile: &str) -> Vec<String> {
    let out = w.sb.run(&["credential-process", profile]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    ["AccessKeyId", "SecretAccessKey", "SessionToken"]
        .iter()
        .map(|k| doc[k].as_str().unwrap().to_string())
        .collect()
}

#[track_caller]
fn assert_no_secret(err: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(!err.contains(secret.as_str()), "a secret on stderr: {err}");
    }
    for word in [
        "SigninToken=",
        "MockSigninToken",
        "sessionKey",
        "Session=",
        "federation?",
    ] {
        assert!(!err.contains(word), "{word} on stderr: {err}");
    }
}

/// `console ARGS --print`, which must succeed and print one line, the sign-in link.
fn print_link(w: &World, args: &[&str]) -> (String, Output) {
    let mut full = vec!["console"];
    full.extend_from_slice(args);
    full.push("--print");
    let out = w.sb.run(&full);
    assert!(out.status.success(), "console {args:?}: {}", stderr(&out));
    let text = stdout(&out);
    let link = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("{text:?}"));
    assert!(!link.contains('\n'), "{text:?}");
    (link.to_string(), out)
}

#[test]
fn opens_the_console_in_the_browser_after_the_same_sign_in_as_use() {
    let w = World::new().with_browser();
    // Nothing cached: the sign-in `use` would start runs first, through the same browser.
    let out = w.sb.run(&["console", "dev"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert_eq!(w.mock.count("/authorize"), 1, "no PKCE sign-in");
    let first = logins(&w, 1);
    let secrets = cached_secrets(&w, "dev");
    assert_eq!(
        first,
        [ConsoleLogin {
            access_key_id: secrets[0].clone(),
            issuer: "ssoenv".into(),
            destination: "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
                .into(),
        }]
    );
    // The browser was given the login URL at the sign-in endpoint (the mock, by
    // AWS_ENDPOINT_URL_SIGNIN), and nothing asked for a session duration.
    let visits = w.browser_visits();
    let link = visits.last().unwrap();
    assert!(
        link.starts_with(&format!("{}/federation?Action=login&", w.mock.url())),
        "{link}"
    );
    let token = param(link, "SigninToken").unwrap();
    let asked = w.mock.requests_to("/federation");
    assert_eq!(asked[0].query_param("Action"), Some("getSigninToken"));
    assert_eq!(asked[0].query_param("SessionDuration"), None);
    assert!(
        err.contains(
            "dev: opening the AWS console (account 111111111111 as AdministratorAccess, eu-west-1)"
        ),
        "{err}"
    );
    let mut all = secrets.clone();
    all.push(token);
    assert_no_secret(&err, &all);
    // From the caches the second time: no sign-in, a new token.
    let again = w.sb.run(&["console", "dev"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(w.mock.count("/authorize"), 1);
    assert_eq!(logins(&w, 2).len(), 2);
    assert_eq!(w.mock.signin_tokens_issued(), 2);
}

#[test]
fn print_writes_the_link_to_stdout_only_and_the_link_works() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    let before = w.browser_visits().len();
    let (link, out) = print_link(&w, &["dev"]);
    assert_eq!(w.browser_visits().len(), before, "--print opened a browser");
    let token = param(&link, "SigninToken").unwrap();
    let err = stderr(&out);
    assert!(err.contains("do not share it"), "{err}");
    let mut secrets = cached_secrets(&w, "dev");
    secrets.push(token);
    assert_no_secret(&err, &secrets);
    assert!(w.mock.console_logins().is_empty());
    // The printed link is what a person pastes into a browser: it signs in, once.
    let curl = |url: &str| {
        Command::new(tool("curl"))
            .args(["-fs", "--noproxy", "*", "-o", "/dev/null", url])
            .status()
            .unwrap()
    };
    assert!(curl(&link).success());
    assert_eq!(logins(&w, 1).len(), 1);
    assert!(!curl(&link).success(), "a spent token signed in again");
}

#[test]
fn with_no_browser_it_says_how_to_get_the_link_before_doing_anything() {
    // No BROWSER, and no display (the sandbox has no DISPLAY), or over SSH with one.
    let mut w = World::new();
    let err = assert_fails(&w.sb.run(&["console", "dev"]), 1);
    assert!(err.contains("no browser can be opened here"), "{err}");
    assert!(err.contains("`ssoenv console dev --print`"), "{err}");
    w.sb.env("DISPLAY", ":0");
    w.sb.env("SSH_CONNECTION", "10.0.0.1 2222 10.0.0.2 22");
    let err = assert_fails(&w.sb.run(&["console", "dev"]), 1);
    assert!(err.contains("--print"), "{err}");
    // --no-browser asks for no browser at all: only --print can give the link then.
    let err = assert_fails(&w.sb.run(&["console", "dev", "--no-browser"]), 2);
    assert!(err.contains("add --print"), "{err}");
    assert_eq!(w.mock.total(), 0, "it talked to the services first");
}

#[test]
fn service_opens_that_services_page_in_the_region() {
    let w = World::new().with_browser();
    let (link, _) = print_link(&w, &["dev", "--service", "s3"]);
    assert_eq!(
        param(&link, "Destination").as_deref(),
        Some("https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1")
    );
    let (link, _) = print_link(&w, &["dev", "--service", "ddb", "--region", "ap-south-1"]);
    assert_eq!(
        param(&link, "Destination").as_deref(),
        Some("https://ap-south-1.console.aws.amazon.com/dynamodbv2/home?region=ap-south-1")
    );
    let err = assert_fails(&w.sb.run(&["console", "dev", "--service", "s3/../x"]), 2);
    assert!(err.contains("--service"), "{err}");
}

#[test]
fn destination_must_be_a_console_page() {
    let w = World::new().with_browser();
    let page = "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1&tab=x";
    let (link, _) = print_link(&w, &["dev", "--destination", page]);
    assert_eq!(param(&link, "Destination").as_deref(), Some(page));
    let requests = w.mock.total();
    for bad in [
        "https://evil.example/",
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com.evil.example/",
        "https://console.aws.amazon.com@evil.example/",
    ] {
        let err = assert_fails(&w.sb.run(&["console", "dev", "--destination", bad]), 2);
        assert!(err.contains("--destination"), "{bad}: {err}");
    }
    // On the console of another partition than the region's.
    let err = assert_fails(
        &w.sb.run(&[
            "console",
            "dev",
            "--destination",
            "https://console.amazonaws.cn/s3/home",
        ]),
        2,
    );
    assert!(err.contains("aws-cn console"), "{err}");
    let err = assert_fails(
        &w.sb
            .run(&["console", "dev", "--service", "s3", "--destination", page]),
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    assert_eq!(w.mock.total(), requests, "a refused page still signed in");
}

#[test]
fn china_and_govcloud_regions_open_their_partitions_console() {
    let w = World::new().with_browser();
    let config = format!(
        "{CONFIG}\n[profile china]\nsso_session = corp\nsso_account_id = 111111111111\n\
         sso_role_name = ReadOnly\nregion = cn-north-1\n"
    );
    std::fs::write(w.path("config"), config).unwrap();
    let (link, _) = print_link(&w, &["china"]);
    assert_eq!(
        param(&link, "Destination").as_deref(),
        Some("https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1")
    );
    let (link, _) = print_link(
        &w,
        &["china", "--region", "us-gov-west-1", "--service", "ec2"],
    );
    assert_eq!(
        param(&link, "Destination").as_deref(),
        Some("https://us-gov-west-1.console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1")
    );
    let err = assert_fails(
        &w.sb.run(&["console", "china", "--region", "us-iso-east-1"]),
        1,
    );
    assert!(err.contains("isolated partition"), "{err}");
}

#[test]
fn no_name_means_the_profile_active_in_the_shell() {
    let mut w = World::new().with_browser();
    w.sb.env("SSOENV_PROFILE", "prod");
    w.sb.env("AWS_PROFILE", "dev");
    let (link, out) = print_link(&w, &[]);
    let err = stderr(&out);
    // prod has no region: the default, said out loud.
    assert!(
        err.contains("prod has no region: opening the console in us-east-1"),
        "{err}"
    );
    assert_eq!(
        param(&link, "Destination").as_deref(),
        Some("https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1")
    );
    assert!(err.contains("account 222222222222 as ReadOnly"), "{err}");
}

#[test]
fn credentials_the_endpoint_refuses_get_the_next_step_and_no_secret_is_shown() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    // Cached credentials the endpoint never issued (revoked, say): still live by their expiry.
    let cache = w.path("cli/cache");
    let file = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    doc["Credentials"]["SecretAccessKey"] = "RevokedSecretKey0123456789abcdefghijkl".into();
    std::fs::write(&file, doc.to_string()).unwrap();
    let secrets = cached_secrets(&w, "dev");
    let err = assert_fails(&w.sb.run(&["console", "dev", "--print"]), 1);
    assert!(
        err.contains("ssoenv: console sign-in for dev (getSigninToken): HTTP 400"),
        "{err}"
    );
    assert!(
        err.contains("run `ssoenv console dev --force-refresh` for new ones"),
        "{err}"
    );
    assert_no_secret(&err, &secrets);
    // The next step the hint gives works.
    let (link, _) = print_link(&w, &["dev", "--force-refresh"]);
    assert!(param(&link, "SigninToken").is_some());

    // An answer that is not the endpoint's JSON (a proxy's page, say).
    w.mock.set_federation_not_json(true);
    let err = assert_fails(&w.sb.run(&["console", "dev", "--print"]), 1);
    assert!(err.contains("/federation: the reply was not JSON"), "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL_SIGNIN="), "{err}");
    assert_no_secret(&err, &cached_secrets(&w, "dev"));
}
