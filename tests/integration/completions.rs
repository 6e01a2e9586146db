//! The completion scripts committed under completions/ are what the binary generates now.
//! `SSOENV_UPDATE_COMPLETIONS=1 cargo test completions` rewrites them.

use std::path::Path;

const FILES: &[(&str, &str)] = &[
    ("bash", "ssoenv.bash"),
    ("zsh", "_ssoenv"),
    ("fish", "ssoenv.fish"),
    ("powershell", "_ssoenv.ps1"),
    ("elvish", "ssoenv.elv"),
];

#[test]
fn committed_completions_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("SSOENV_UPDATE_COMPLETIONS").is_some();
    for (shell, file) in FILES {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssoenv"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "completions {shell} failed");
        assert!(!out.stdout.is_empty());
        let path = dir.join(file);
        if update {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "completions/{file} is stale: run `SSOENV_UPDATE_COMPLETIONS=1 cargo test completions`"
        );
    }
}
