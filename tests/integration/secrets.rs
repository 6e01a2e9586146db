//! Secrets stay where they belong: in the caches (mode 0600) and on stdout when stdout is what
//! the caller asked for. Never on stderr, in other files, or in a started process's arguments.

use std::path::{Path, PathBuf};

use crate::engine::{CORP_TOKEN, World};
use crate::support::MockSso;
use crate::util::stderr;

const SECRET_KEY: &str = "CANARYsecretKEY0123456789abcdefghijklmnop";
const SESSION_TOKEN: &str = "CANARYsessionTOKEN/very+long+token+0123456789==";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn secrets_never_reach_stderr_other_files_or_process_arguments() {
    let w = World::with_mock(
        MockSso::builder()
            .interval(0)
            .secret_access_key(SECRET_KEY)
            .session_token(SESSION_TOKEN)
            .start(),
    )
    .with_browser();

    let mut stderr_seen = String::new();
    let mut run = |args: &[&str]| {
        let out = w.sb.run(args);
        stderr_seen.push_str(&stderr(&out));
        out
    };
    assert!(run(&["use", "dev", "--shell", "bash"]).status.success());
    assert!(run(&["use", "legacy", "--shell", "fish"]).status.success());
    assert!(
        run(&["use", "prod", "--shell", "json", "--force-refresh"])
            .status
            .success()
    );
    // The secrets themselves are what these print on stdout; their stderr must stay clean.
    let process = run(&["credential-process", "dev"]);
    assert!(
        String::from_utf8_lossy(&process.stdout).contains(SECRET_KEY),
        "the canary never flowed"
    );
    assert!(run(&["exec", "dev", "--", "true"]).status.success());
    // A value cmd cannot hold is refused by naming the variable, never by quoting the value.
    w.mock.set_secret_access_key(Some("has%percent"));
    let refused = run(&["use", "prod", "--shell", "cmd", "--force-refresh"]);
    assert_eq!(refused.status.code(), Some(1));
    w.mock.set_secret_access_key(Some(SECRET_KEY));
    for args in [
        &["status", "dev"][..],
        &["status", "dev", "--json"],
        &["list"],
        &["list", "--json"],
        &["login", "dev"],
        &["unset"],
        &["logout", "--all"],
    ] {
        run(args);
    }

    // Every other secret the flow handled: tokens and the client registration.
    let token: serde_json::Value = {
        // `logout --all` removed it: sign in once more to learn what a token file holds.
        assert!(run(&["login", "dev"]).status.success());
        serde_json::from_slice(&std::fs::read(w.path(CORP_TOKEN)).unwrap()).unwrap()
    };
    let mut secrets: Vec<String> = vec![
        SECRET_KEY.into(),
        SESSION_TOKEN.into(),
        "has%percent".into(),
    ];
    for key in ["accessToken", "refreshToken", "clientSecret"] {
        secrets.push(token[key].as_str().unwrap().to_string());
    }

    for secret in &secrets {
        assert!(
            !stderr_seen.contains(secret.as_str()),
            "stderr showed a secret:\n{stderr_seen}"
        );
        for url in w.browser_visits() {
            assert!(
                !url.contains(secret.as_str()),
                "the browser was given a secret: {url}"
            );
        }
    }

    let caches = [w.path("sso/cache"), w.path("cli/cache")];
    for file in files_under(w.sb.home()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        if !secrets.iter().any(|s| text.contains(s.as_str())) {
            continue;
        }
        assert!(
            caches.iter().any(|c| file.starts_with(c)),
            "a secret was written outside the caches: {}",
            file.display()
        );
        assert!(
            !file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(".tmp"),
            "a temporary file was left behind: {}",
            file.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
        }
    }
}
