//! `aws login` profiles (`login_session`): the AWS CLI's login cache read as it is, refreshed
//! with DPoP against the mock sign-in service (which verifies every proof), written back in the
//! CLI's format; and botocore's LoginProvider as the oracle, both ways.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::engine::World;
use crate::support::mock::{DEFAULT_LOGIN_ARN, SIGNIN_AUTHORIZE, SIGNIN_TOKEN, SeededLogin};
use crate::util::{assert_fails, json_of, stderr, stdout, support_file};

const CONFIG: &str = "\
[profile console]
login_session = arn:aws:iam::333333333333:user/alice
region = us-west-2
";

fn world() -> World {
    let mut w = World::new();
    w.sb.write_config(CONFIG);
    let (k, v) = w.mock.signin_env();
    w.sb.env(k, v);
    w
}

fn entry_path(w: &World) -> PathBuf {
    w.path("login/cache").join(format!(
        "{}.json",
        ssoenv::login_cache::key(DEFAULT_LOGIN_ARN)
    ))
}

fn seed(w: &World, expires_in: i64) -> SeededLogin {
    let seeded = w.mock.signin_seed(DEFAULT_LOGIN_ARN, expires_in);
    let path = entry_path(w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &seeded.entry).unwrap();
    seeded
}

fn read_entry(w: &World) -> Value {
    serde_json::from_slice(&std::fs::read(entry_path(w)).unwrap()).unwrap()
}

/// The mock sign-in service refused nothing it was sent (DPoP proofs, refresh tokens, PKCE
/// verifiers).
#[track_caller]
fn assert_no_rejections(w: &World) {
    let rejections = w.mock.signin_rejections();
    assert!(rejections.is_empty(), "{rejections:?}");
}

#[test]
fn a_live_entry_is_used_without_a_request() {
    let w = world();
    let seeded = seed(&w, 10 * 60);
    let env = w.use_ok(&["console"]);
    assert_eq!(env["AWS_ACCESS_KEY_ID"], seeded.access_key_id);
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "333333333333");
    assert_eq!(env["SSOENV_ROLE_NAME"], "user/alice");
    assert_eq!(env["AWS_REGION"], "us-west-2");
    assert_eq!(w.mock.total(), 0, "a live entry must not cost a request");
    let out = w.sb.run(&["list"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("console") && l.contains(" login "))
    );
}

#[test]
fn an_entry_near_its_end_is_refreshed_with_dpop_and_written_back_as_the_cli_writes_it() {
    let w = world();
    let seeded = seed(&w, 4 * 60);
    let before = read_entry(&w);
    let env = w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    assert_eq!(w.mock.signin_proofs_verified(), 1);
    assert_no_rejections(&w);
    let after = read_entry(&w);
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        after["accessToken"]["accessKeyId"].as_str().unwrap()
    );
    assert_ne!(env["AWS_ACCESS_KEY_ID"], seeded.access_key_id);
    // The refresh token rotated; the key, the id token, the client and the account stayed.
    assert_ne!(after["refreshToken"], before["refreshToken"]);
    assert!(!w.mock.signin_refresh_token_live(&seeded.refresh_token));
    for kept in ["dpopKey", "idToken", "clientId", "tokenType"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["accessToken"]["accountId"], "333333333333");
    let text = std::fs::read_to_string(entry_path(&w)).unwrap();
    assert!(
        text.starts_with("{\"accessToken\": {\"accessKeyId\": \""),
        "{text}"
    );
    let keys: Vec<&str> = after
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let order: Vec<usize> = [
        "\"tokenType\"",
        "\"clientId\"",
        "\"refreshToken\"",
        "\"idToken\"",
        "\"dpopKey\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(entry_path(&w))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second use: the refreshed entry serves, no request.
    w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
}

#[test]
fn each_service_error_says_what_to_do_and_no_secret_leaks() {
    for (code, words) in [
        ("TOKEN_EXPIRED", "ssoenv login console"),
        ("USER_CREDENTIALS_CHANGED", "password"),
        ("INSUFFICIENT_PERMISSIONS", "signin:CreateOAuth2Token"),
    ] {
        let w = world();
        let seeded = seed(&w, -60);
        w.mock.signin_deny_next_refresh(code);
        let out = w.sb.run(&["credential-process", "console"]);
        let err = assert_fails(&out, 1);
        assert!(err.contains(code) && err.contains(words), "{code}: {err}");
        let entry = read_entry(&w);
        for secret in [
            seeded.refresh_token.as_str(),
            entry["dpopKey"].as_str().unwrap(),
            entry["accessToken"]["secretAccessKey"].as_str().unwrap(),
        ] {
            assert!(!err.contains(secret), "{code}: a secret reached stderr");
        }
    }
}

#[test]
fn a_refresh_signed_by_another_key_is_refused_by_the_mock() {
    // The mock's key binding is real: an entry whose key was swapped cannot refresh.
    let w = world();
    seed(&w, -60);
    let other = w
        .mock
        .signin_seed("arn:aws:iam::333333333333:user/bob", 600);
    let mut entry = read_entry(&w);
    let other: Value = serde_json::from_str(&other.entry).unwrap();
    entry["dpopKey"] = other["dpopKey"].clone();
    std::fs::write(entry_path(&w), entry.to_string()).unwrap();
    let out = w.sb.run(&["credential-process", "console"]);
    assert_fails(&out, 1);
    assert_eq!(
        w.mock.signin_rejections(),
        ["proof key is not the bound key"]
    );
}

/// What botocore resolves for `profile` inside the sandbox, pointed at the mock.
fn botocore(python: &Path, w: &World, profile: &str) -> Value {
    let script = support_file("botocore_login.py");
    let (k, v) = w.mock.signin_env();
    let out = Command::new(python)
        .arg(script)
        .arg(profile)
        .env_clear()
        .env("HOME", w.sb.home())
        .env(k, v)
        .output()
        .unwrap();
    json_of(&out, "botocore")
}

#[test]
fn ssoenv_uses_the_entry_botocore_refreshed_without_a_request() {
    let python = crate::util::python_with_botocore();
    let w = world();
    seed(&w, 60);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(theirs["method"], "login");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1, "botocore did not refresh");
    assert_no_rejections(&w);
    let env = w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1, "ssoenv refreshed again");
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        theirs["access_key"].as_str().unwrap()
    );
    assert_eq!(
        env["AWS_SECRET_ACCESS_KEY"],
        theirs["secret_key"].as_str().unwrap()
    );
}

#[test]
fn botocore_reads_and_refreshes_the_entry_ssoenv_refreshed_with_the_key_ssoenv_stored() {
    let python = crate::util::python_with_botocore();
    let w = world();
    seed(&w, 60);
    // ssoenv refreshes; its entry has 15 minutes: botocore takes it as it is.
    let ours = w.use_ok(&["console"]);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    // Near its end, botocore refreshes it with ssoenv's refresh token and stored key.
    let mut entry = read_entry(&w);
    entry["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(entry_path(&w), entry.to_string()).unwrap();
    let theirs = botocore(&python, &w, "console");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 2);
    assert_no_rejections(&w);
    assert_ne!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
}

#[test]
fn use_signs_in_through_the_browser_and_botocore_refreshes_with_the_key_ssoenv_made() {
    let python = crate::util::python_with_botocore();
    let w = world().with_browser();
    let env = w.use_ok(&["console"]);
    let visits = w.browser_visits();
    assert_eq!(visits.len(), 1, "{visits:?}");
    let url = &visits[0];
    assert!(url.starts_with(&format!("{}/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=", w.mock.url())), "{url}");
    assert!(
        url.contains(
            "&code_challenge_method=SHA-256&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A"
        ),
        "{url}"
    );
    assert_eq!(w.mock.signin_verifier_lengths(), [64]);
    assert_no_rejections(&w);
    let entry = read_entry(&w);
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        entry["accessToken"]["accessKeyId"].as_str().unwrap()
    );
    assert_eq!(entry["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(entry["accessToken"]["accountId"], "333333333333");
    assert!(
        entry["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    // botocore refreshes it with the key and refresh token ssoenv stored.
    entry_expired(&w);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 2);
    assert_no_rejections(&w);
    assert_eq!(
        theirs["access_key"],
        read_entry(&w)["accessToken"]["accessKeyId"]
    );
}

fn entry_expired(w: &World) {
    let mut entry = read_entry(w);
    entry["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(entry_path(w), entry.to_string()).unwrap();
}

#[test]
fn login_signs_in_anew_and_logout_removes_the_entry() {
    let w = world().with_browser();
    let seeded = seed(&w, 10 * 60);
    let out = w.sb.run(&["login", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("signed in as arn:aws:iam::333333333333:user/alice"));
    assert_ne!(
        read_entry(&w)["refreshToken"],
        seeded.refresh_token.as_str()
    );
    let out = w.sb.run(&["logout", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!entry_path(&w).exists());
    // With no entry and no browser or terminal: a clear error, not a hang.
    let w = world();
    let out = w.sb.run(&["use", "--shell", "bash", "console"]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("no terminal to paste"), "{err}");
}

#[test]
fn a_sign_in_as_another_identity_is_kept_but_refused_for_the_profile() {
    let w = world().with_browser();
    w.mock.signin_identity("arn:aws:iam::333333333333:user/bob");
    let out = w.sb.run(&["use", "--shell", "bash", "console"]);
    let err = assert_fails(&out, 1);
    assert!(
        err.contains("signed in as arn:aws:iam::333333333333:user/bob"),
        "{err}"
    );
    assert!(!entry_path(&w).exists());
    let bob = w.path("login/cache").join(format!(
        "{}.json",
        ssoenv::login_cache::key("arn:aws:iam::333333333333:user/bob")
    ));
    assert!(bob.exists());
}

#[test]
fn status_list_exec_and_credential_process_take_login_profiles() {
    let w = world();
    let seeded = seed(&w, 10 * 60);
    let out = w.sb.run(&["status", "console", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["kind"], "login");
    assert_eq!(doc["credentials"]["present"], true);
    let out = w.sb.run(&["list", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "console")
        .unwrap();
    assert_eq!(
        (row["kind"].as_str(), row["signed_in"].as_str()),
        (Some("login"), Some("yes"))
    );
    let out = w.sb.run(&["credential-process", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["AccessKeyId"], seeded.access_key_id.as_str());
    let out = w.sb.run(&[
        "exec",
        "console",
        "--",
        "sh",
        "-c",
        "printf %s \"$AWS_ACCESS_KEY_ID\"",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), seeded.access_key_id);
    assert_eq!(w.mock.total(), 0);
}

/// The sign-in URL as the terminal shows it (after `ssoenv:   `): the pane wraps it, and a URL
/// holds no blanks.
#[cfg(unix)]
fn url_on_pane(pane: &str) -> String {
    let mut lines = pane.lines().skip_while(|l| !l.contains("/v1/authorize?"));
    let first = lines.next().unwrap_or_default();
    let mut url = first[first.find("http").unwrap_or(0)..]
        .trim_end()
        .to_string();
    for more in lines {
        if more.is_empty() || more.contains(char::is_whitespace) {
            break;
        }
        url.push_str(more);
    }
    url
}

/// The person on another device: they open the URL, sign in, and read the code the
/// confirmation page shows.
#[cfg(unix)]
fn confirmation_page_code(url: &str) -> String {
    let curl = crate::util::tool("curl");
    let out = Command::new(curl)
        .args(["-fsSL", "--noproxy", "*", "--max-time", "10", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    let code = page
        .split("<p>")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("no code on the page: {page}"));
    code.to_string()
}

// tmux drives the terminal: Unix only.
#[cfg(unix)]
#[test]
fn with_no_browser_the_person_signs_in_elsewhere_and_pastes_the_code_on_the_terminal() {
    use crate::shell_integration::Tmux;
    // A browser is there, but --no-browser asks for the cross-device flow.
    let w = world().with_browser();
    let bash = crate::util::tool("bash").to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&bash, "--noprofile", "--norc"]);
    t.wait_prompt(1);
    t.type_text(
        "eval \"$(ssoenv use console --no-browser --shell bash)\"; \
         echo \"status=$? key=$AWS_ACCESS_KEY_ID account=$SSOENV_ACCOUNT_ID\"",
    );
    t.keys(&["Enter"]);
    let pane = t.wait("the paste prompt", |p| {
        p.contains("paste the authorization code")
    });
    assert!(
        pane.contains("on any device (this one or another) at:"),
        "{pane}"
    );
    let url = url_on_pane(&pane);
    assert!(
        url.starts_with(&format!(
            "{}/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device&state=",
            w.mock.url()
        )),
        "{url}"
    );
    let code = confirmation_page_code(&url);
    assert_eq!(Some(code.clone()), w.mock.signin_confirmation_code());
    t.type_text(&code);
    t.keys(&["Enter"]);
    let pane = t.wait("the exports", |p| p.contains("status=0 key=ASIALOGIN"));
    assert!(pane.contains("account=333333333333"), "{pane}");
    assert!(w.browser_visits().is_empty(), "{:?}", w.browser_visits());
    assert_eq!(w.mock.signin_verifier_lengths(), [64]);
    assert!(
        w.mock.signin_rejections().is_empty(),
        "{:?}",
        w.mock.signin_rejections()
    );
    // Cached in the CLI's format, under the cross-device client its refresh is bound to.
    let entry = read_entry(&w);
    assert_eq!(entry["clientId"], "arn:aws:signin:::devtools/cross-device");
    assert_eq!(entry["accessToken"]["accountId"], "333333333333");
    let key = entry["accessToken"]["accessKeyId"].as_str().unwrap();
    assert!(pane.contains(&format!("status=0 key={key} ")), "{pane}");
    assert!(!pane.contains(entry["refreshToken"].as_str().unwrap()));
    // And the entry refreshes (with the key and client ssoenv stored).
    entry_expired(&w);
    let env = w.use_ok(&["--no-login", "console"]);
    assert_ne!(env["AWS_ACCESS_KEY_ID"], key);
    assert!(
        w.mock.signin_rejections().is_empty(),
        "{:?}",
        w.mock.signin_rejections()
    );
}

#[cfg(unix)]
#[test]
fn a_wrong_pasted_code_is_a_clear_error_and_nothing_is_cached() {
    use crate::shell_integration::Tmux;
    let w = world();
    let bash = crate::util::tool("bash").to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&bash, "--noprofile", "--norc"]);
    t.wait_prompt(1);
    let run = "out=$(ssoenv use console --use-device-code --shell bash); \
               echo \"status=$? out=[$out]\"";
    // Not a code at all.
    t.type_text(run);
    t.keys(&["Enter"]);
    t.wait("the paste prompt", |p| {
        p.contains("paste the authorization code")
    });
    t.type_text("hello");
    t.keys(&["Enter"]);
    let pane = t.wait("the first failure", |p| p.contains("status=1 out=[]"));
    assert!(
        pane.contains("not the base64 code the sign-in page shows"),
        "{pane}"
    );
    // A well-formed code for this sign-in that the service never issued: refused by the service.
    t.type_text("clear");
    t.keys(&["Enter"]);
    t.wait("a clear screen", |p| !p.contains("status=1"));
    t.type_text(run);
    t.keys(&["Enter"]);
    let pane = t.wait("the paste prompt", |p| {
        p.contains("paste the authorization code")
    });
    let url = url_on_pane(&pane);
    let state = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap_or_else(|| panic!("{url}"))
        .to_string();
    use base64::Engine as _;
    let forged = base64::engine::general_purpose::STANDARD
        .encode(format!("state={state}&code=signin-code-never-issued"));
    t.type_text(&forged);
    t.keys(&["Enter"]);
    let pane = t.wait("the second failure", |p| p.contains("status=1 out=[]"));
    assert!(pane.contains("AUTHCODE_EXPIRED"), "{pane}");
    assert!(pane.contains("ssoenv login console"), "{pane}");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    assert!(!entry_path(&w).exists(), "a failed sign-in was cached");
    let cached: Vec<PathBuf> = std::fs::read_dir(w.path("login/cache"))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert!(cached.is_empty(), "{cached:?}");
}

/// `exec --serve` on a login profile whose credentials last 5 minutes (inside the refresh window,
/// so each request for credentials refreshes): the real botocore in the command reads twice and
/// gets two sets, each from a DPoP refresh; nobody signs in (there is no browser or terminal).
#[cfg(unix)]
#[test]
fn exec_serve_refreshes_a_login_session_for_botocore_with_no_sign_in() {
    let w = world();
    w.mock.signin_expires_in(300);
    let seeded = seed(&w, 4 * 60);
    let (_, doc) = crate::serve::serve_child(&w, "console", &["twice"]);
    assert_eq!(doc["method"], "container-role", "{doc}");
    let (first, second) = (&doc["first"], &doc["second"]);
    assert!(first[0].as_str().unwrap().starts_with("ASIALOGIN"), "{doc}");
    assert_ne!(first[0], seeded.access_key_id.as_str());
    assert_ne!(first, second, "the second read got the same credentials");
    assert_eq!(doc["env"]["SSOENV_PROFILE"], "console");
    assert_eq!(doc["env"]["AWS_REGION"], "us-west-2");
    // One refresh when the command started, one for each read; each proof verified, and the
    // last set is the entry's (written back for the AWS CLI).
    assert!(
        w.mock.count(SIGNIN_TOKEN) >= 3,
        "{}",
        w.mock.count(SIGNIN_TOKEN)
    );
    assert_eq!(w.mock.signin_proofs_verified(), w.mock.count(SIGNIN_TOKEN));
    assert!(
        w.mock.signin_rejections().is_empty(),
        "{:?}",
        w.mock.signin_rejections()
    );
    assert_eq!(
        read_entry(&w)["accessToken"]["accessKeyId"],
        second[0].clone()
    );
    // No sign-in: no code redeemed, no authorize page.
    assert!(w.mock.signin_verifier_lengths().is_empty());
    assert_eq!(w.mock.count(SIGNIN_AUTHORIZE), 0);
}

/// The quiet refresh before a prompt (`use --no-login`): an entry near its end is refreshed and
/// nobody is asked to sign in; when the service ends the session, status 1, nothing for the
/// shell to evaluate, and the way to sign in again.
#[test]
fn the_quiet_refresh_refreshes_a_login_session_and_never_signs_in() {
    let w = world().with_browser();
    let seeded = seed(&w, 4 * 60);
    let env = w.use_ok(&["--no-login", "console"]);
    assert_ne!(env["AWS_ACCESS_KEY_ID"], seeded.access_key_id);
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        read_entry(&w)["accessToken"]["accessKeyId"]
            .as_str()
            .unwrap()
    );
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    assert!(
        w.mock.signin_rejections().is_empty(),
        "{:?}",
        w.mock.signin_rejections()
    );

    entry_expired(&w);
    w.mock.signin_deny_next_refresh("TOKEN_EXPIRED");
    let out =
        w.sb.run(&["use", "--no-login", "--shell", "bash", "console"]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("TOKEN_EXPIRED"), "{err}");
    assert!(err.contains("ssoenv login console"), "{err}");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 2);
    // Never a sign-in: no browser, no authorize page, no code redeemed.
    assert!(w.browser_visits().is_empty(), "{:?}", w.browser_visits());
    assert_eq!(w.mock.count(SIGNIN_AUTHORIZE), 0);
    assert!(w.mock.signin_verifier_lengths().is_empty());
}

/// `ssoenv login NAME` does not create profiles (`aws login --profile NAME` does): for one that
/// does not exist, the error says how to make it.
#[test]
fn login_for_a_profile_that_does_not_exist_says_how_to_create_one() {
    let w = world();
    let out = w.sb.run(&["login", "newprof"]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("profile \"newprof\": not found"), "{err}");
    assert!(err.contains("`aws login --profile newprof`"), "{err}");
    assert!(err.contains("add `login_session = ARN`"), "{err}");
    assert!(!entry_path(&w).exists());
    assert_eq!(w.mock.total(), 0);
}
