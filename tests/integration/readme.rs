//! README.md's commands work as written, and Cargo.toml's `rust-version` is true.
//!
//! The set-up command (`./try`) is driven through a terminal in `sandbox`; here: it is the first
//! command, `.ci/run` runs the test command, the install command's `--locked` holds (Cargo.lock
//! is current), the stated Rust version is the declared one and covers every locked dependency,
//! and each shell's `init` and prompt lines evaluate silently in that shell.
#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use crate::util::{Sandbox, stderr, stdout, tool};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The fenced code blocks, in order.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("```") {
            match current.take() {
                Some(block) => out.push(block),
                None => current = Some(String::new()),
            }
        } else if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

/// The one block holding `needle`.
fn block_with(needle: &str) -> String {
    let found: Vec<String> = blocks(&readme())
        .into_iter()
        .filter(|b| b.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "README blocks with {needle:?}: {found:?}");
    found.into_iter().next().expect("one")
}

fn cargo() -> Command {
    let mut cargo = Command::new(option_env!("CARGO").unwrap_or("cargo"));
    cargo.current_dir(env!("CARGO_MANIFEST_DIR"));
    cargo
}

/// `1.89` or `1.89.0` as comparable numbers.
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.trim().split('.').map(|p| {
        p.parse::<u64>()
            .unwrap_or_else(|_| panic!("version {text:?}"))
    });
    let major = parts.next().expect("major");
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn the_set_up_commands_are_the_ones_tested() {
    let all = blocks(&readme());
    assert_eq!(all[0], "./try\n", "README's first command");
    assert_eq!(all[1], "cargo test\n", "README's test command");
    let ci = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run"))
        .expect(".ci/run");
    assert_eq!(
        ci.lines().last(),
        Some("cargo test"),
        ".ci/run ends with README's test command"
    );
    let try_script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("try")).expect("try");
    assert!(
        try_script.contains("cargo build --locked --release --bin ssoenv --example mock_sso"),
        "./try builds what it runs, from Cargo.lock"
    );
}

#[test]
fn the_install_command_holds_to_cargo_lock() {
    assert_eq!(
        block_with("cargo install"),
        "cargo install --locked --path .\n"
    );
    // `--locked` fails when Cargo.lock is not current; `cargo metadata --locked` checks the same.
    let out = cargo()
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn rust_version_is_stated_and_covers_every_locked_dependency() {
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert!(!declared.is_empty(), "Cargo.toml declares no rust-version");
    assert!(
        readme().contains(&format!("Needs Rust {declared} or later.")),
        "README states another Rust version than Cargo.toml's {declared}"
    );
    let out = cargo()
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", stderr(&out));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let mut needs = Vec::new();
    for package in meta["packages"].as_array().expect("packages") {
        if let Some(v) = package["rust_version"].as_str()
            && version(v) > version(declared)
        {
            needs.push(format!(
                "{} {} needs {v}",
                package["name"], package["version"]
            ));
        }
    }
    assert!(
        needs.is_empty(),
        "rust-version {declared} is too low: {needs:?}"
    );
    // The toolchain running the tests is at least the declared one (cargo also refuses to build
    // otherwise); std APIs newer than it are clippy's `incompatible_msrv` lint, run by .ci/run.
    let out = cargo().arg("--version").output().expect("cargo --version");
    let running = stdout(&out);
    let running = running.split_whitespace().nth(1).expect("cargo X.Y.Z");
    let running = running.split('-').next().expect("version");
    assert!(
        version(running) >= version(declared),
        "cargo {running} < {declared}"
    );
}

/// Each shell's lines from the Install section, run in that shell with no user configuration:
/// nothing printed, status 0, and the functions are there afterwards.
#[test]
fn the_init_and_prompt_lines_evaluate_silently() {
    let init = block_with("ssoenv init bash");
    let prompt = block_with("ssoenv_prompt -v SSOENV_PS1");
    let pick = |block: &str, from: &str, to: &str| -> String {
        let start = block
            .find(from)
            .unwrap_or_else(|| panic!("{from:?} in {block}"));
        let rest = &block[start..];
        let end = rest.find(to).unwrap_or(rest.len());
        rest[..end].to_string()
    };
    let without_comment = |line: &str| line.split("  #").next().unwrap_or(line).trim().to_string();
    let cases = [
        (
            "bash",
            vec!["--noprofile", "--norc", "-c"],
            format!(
                "{}\n{}",
                without_comment(pick(&init, "eval \"$(ssoenv init bash)\"", "\n").as_str()),
                pick(&prompt, "PROMPT_COMMAND=", "# zsh")
            ),
            "declare -F awsuse ssoenv_prompt",
        ),
        (
            "zsh",
            vec!["-f", "-c"],
            format!(
                "autoload -Uz compinit && compinit -D\n{}\n{}",
                without_comment(pick(&init, "eval \"$(ssoenv init zsh)\"", "\n").as_str()),
                pick(&prompt, "setopt PROMPT_SUBST", "function fish_right_prompt")
            ),
            "whence -w awsuse ssoenv_prompt",
        ),
        (
            "fish",
            vec!["--no-config", "-c"],
            format!(
                "{}\n{}",
                without_comment(pick(&init, "ssoenv init fish | source", "\n").as_str()),
                without_comment(pick(&prompt, "function fish_right_prompt", "\n").as_str())
            ),
            "functions -q awsuse ssoenv_prompt fish_right_prompt",
        ),
    ];
    let sb = Sandbox::new();
    let bin = Path::new(env!("CARGO_BIN_EXE_ssoenv"))
        .parent()
        .expect("bin");
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    for (shell, flags, lines, check) in cases {
        let program = tool(shell);
        let out = Command::new(&program)
            .args(&flags)
            .arg(&lines)
            .env_clear()
            .env("HOME", sb.home())
            .env("PATH", &path)
            .env("TERM", "dumb")
            .env("PS1", "$ ")
            .env("XDG_CONFIG_HOME", sb.home().join("xdg"))
            .env("XDG_DATA_HOME", sb.home().join("xdg"))
            .env("ZDOTDIR", sb.home())
            .current_dir(sb.home())
            .output()
            .expect(shell);
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "{shell} on README's lines:\n{lines}\nstatus {:?}\nstdout {}\nstderr {}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
        let out = Command::new(&program)
            .args(&flags)
            .arg(format!("{lines}\n{check}"))
            .env_clear()
            .env("HOME", sb.home())
            .env("PATH", &path)
            .env("TERM", "dumb")
            .env("XDG_CONFIG_HOME", sb.home().join("xdg"))
            .env("XDG_DATA_HOME", sb.home().join("xdg"))
            .env("ZDOTDIR", sb.home())
            .current_dir(sb.home())
            .output()
            .expect(shell);
        assert!(out.status.success(), "{shell}: {check}: {}", stderr(&out));
    }
}
