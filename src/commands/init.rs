//! `ssoenv init SHELL`: the shell integration, one line in the shell's start-up file:
//!
//! ```text
//! eval "$(ssoenv init bash)"                                # ~/.bashrc
//! eval "$(ssoenv init zsh)"                                 # ~/.zshrc, after compinit
//! ssoenv init fish | source                                 # ~/.config/fish/config.fish
//! ssoenv init powershell | Out-String | Invoke-Expression    # $PROFILE
//! ssoenv init cmd > "%USERPROFILE%\bin\awsuse.cmd"          # once, into a folder on PATH
//! eval (ssoenv init elvish | slurp)                         # rc.elv
//! execx($(ssoenv init xonsh), 'exec', __xonsh__.ctx, filename='ssoenv')   # ~/.xonshrc
//! ```
//!
//! nushell cannot evaluate a command's output: its file is saved once and sourced (shell/ssoenv.nu
//! says how).
//!
//! The scripts live in shell/ and are compiled in. Before each (cmd aside) comes clap's completion
//! for ssoenv's subcommands and options, the same as `ssoenv completions SHELL` but loadable by
//! `eval` without side effects: the integration's completer answers profile names itself and hands
//! every other position to clap's.

use super::Outcome;
use super::completions;
use crate::cli::{CompletionShell, InitArgs, InitShell};
use crate::error::Result;

pub const BASH: &str = include_str!("../../shell/ssoenv.bash");
pub const ZSH: &str = include_str!("../../shell/ssoenv.zsh");
pub const FISH: &str = include_str!("../../shell/ssoenv.fish");
pub const POWERSHELL: &str = include_str!("../../shell/ssoenv.ps1");
pub const CMD: &str = include_str!("../../shell/awsuse.cmd");
pub const NU: &str = include_str!("../../shell/ssoenv.nu");
pub const ELVISH: &str = include_str!("../../shell/ssoenv.elv");
pub const XONSH: &str = include_str!("../../shell/ssoenv.xsh");

pub fn run(args: &InitArgs) -> Result<Outcome> {
    Ok(Outcome::Print(script(args.shell)))
}

/// What `ssoenv init SHELL` prints.
pub fn script(shell: InitShell) -> String {
    let (clap, own) = match shell {
        InitShell::Bash => (Some(completions::script(CompletionShell::Bash)), BASH),
        InitShell::Zsh => (
            zsh_completion(&completions::script(CompletionShell::Zsh)),
            ZSH,
        ),
        InitShell::Fish => (
            Some(fish_completion(&completions::script(CompletionShell::Fish))),
            FISH,
        ),
        InitShell::Powershell => (
            powershell_completion(&completions::script(CompletionShell::Powershell)),
            POWERSHELL,
        ),
        // A batch file, saved once; cmd reads labels reliably only with CRLF line ends.
        InitShell::Cmd => return CMD.replace("\r\n", "\n").replace('\n', "\r\n"),
        // clap's elvish completer comes first: the integration wraps it to add profile names.
        InitShell::Elvish => (Some(completions::script(CompletionShell::Elvish)), ELVISH),
        // No clap completion for these (clap_complete has no generator for either): the
        // integration completes profile names only.
        InitShell::Nu => (None, NU),
        InitShell::Xonsh => (None, XONSH),
    };
    match clap {
        Some(clap) => format!("{}\n\n{own}", clap.trim_end()),
        None => own.to_string(),
    }
}

/// clap's zsh completion, made safe to `eval` at start-up: without the `compdef` call at its end
/// (which fails before compinit; the integration registers its own completer) and without
/// `autoload -U is-at-least` (the integration's completer loads it when it first runs, so that
/// loading defines nothing but `_ssoenv*` functions).
fn zsh_completion(clap: &str) -> Option<String> {
    const AUTOLOAD: &str = "autoload -U is-at-least\n";
    const TAIL: &str = "\nif [ \"$funcstack[1]\" = \"_ssoenv\" ]; then";
    let cut = clap.rfind(TAIL)?;
    let body = &clap[..cut];
    body.contains(AUTOLOAD)
        .then(|| body.replacen(AUTOLOAD, "", 1))
}

/// clap's fish completion with its helper functions (`__fish_ssoenv_*`) renamed `_ssoenv_*`, the
/// one prefix the integration defines.
fn fish_completion(clap: &str) -> String {
    clap.replace("__fish_ssoenv_", "_ssoenv_")
}

/// clap's PowerShell completer as a function, `_ssoenv_clap_complete`, which the integration's
/// completer calls wherever no profile name goes (PowerShell keeps one completer per command).
/// Its `using namespace` lines stay first, where PowerShell requires them.
fn powershell_completion(clap: &str) -> Option<String> {
    const REGISTER: &str =
        "Register-ArgumentCompleter -Native -CommandName 'ssoenv' -ScriptBlock {";
    clap.contains(REGISTER)
        .then(|| clap.replacen(REGISTER, "function _ssoenv_clap_complete {", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::{Parser, ValueEnum};

    fn printed(shell: InitShell) -> String {
        script(shell)
    }

    #[test]
    fn every_shell_but_json_has_an_integration() {
        for shell in InitShell::value_variants() {
            assert!(printed(*shell).contains("awsuse"), "{shell:?}");
        }
        for shell in crate::shell::Shell::ALL {
            let parsed = crate::cli::Cli::try_parse_from(["ssoenv", "init", shell.name()]);
            match parsed {
                Ok(_) => assert_ne!(shell, crate::shell::Shell::Json),
                Err(e) => {
                    assert_eq!(shell, crate::shell::Shell::Json);
                    assert!(
                        e.to_string().contains("no shell integration for json"),
                        "{e}"
                    );
                    assert_eq!(e.exit_code(), 2);
                }
            }
        }
    }

    #[test]
    fn clap_completion_is_adapted_for_every_shell() {
        // A clap_complete update that changes these shapes must be noticed here, not by users.
        let zsh = zsh_completion(&completions::script(CompletionShell::Zsh)).expect("zsh shape");
        assert!(!zsh.contains("compdef _ssoenv ssoenv") && !zsh.contains("is-at-least\n"));
        assert!(zsh.contains("_ssoenv() {"));
        let ps = powershell_completion(&completions::script(CompletionShell::Powershell))
            .expect("powershell shape");
        assert!(ps.trim_start().starts_with("using namespace"));
        assert!(!ps.contains("Register-ArgumentCompleter"));
        let fish = fish_completion(&completions::script(CompletionShell::Fish));
        assert!(!fish.contains("__fish_ssoenv") && fish.contains("function _ssoenv_needs_command"));
        for shell in [
            InitShell::Bash,
            InitShell::Zsh,
            InitShell::Fish,
            InitShell::Powershell,
        ] {
            let text = printed(shell);
            assert!(
                text.contains("complete") || text.contains("compdef"),
                "{shell:?}"
            );
        }
    }

    #[test]
    fn each_integration_ends_with_its_own_file() {
        for (shell, own) in [
            (InitShell::Bash, BASH),
            (InitShell::Zsh, ZSH),
            (InitShell::Fish, FISH),
            (InitShell::Powershell, POWERSHELL),
        ] {
            assert!(printed(shell).ends_with(own), "{shell:?}");
        }
    }

    #[test]
    fn powershell_captures_checks_and_then_evaluates() {
        let ps = printed(InitShell::Powershell);
        for line in [
            "$code = & ssoenv use @arguments --shell powershell",
            "$code = & ssoenv unset --shell powershell",
            "if ($LASTEXITCODE -ne 0) { return }",
            "if ($code) { Invoke-Expression (@($code) -join \"`n\") }",
            "$global:SSOENV_PREVIOUS_PROFILE = $from",
            "Register-ArgumentCompleter -CommandName awsuse -ParameterName Name -ScriptBlock {",
            "Register-ArgumentCompleter -Native -CommandName ssoenv -ScriptBlock {",
            "_ssoenv_clap_complete $wordToComplete $commandAst $cursorPosition",
            "& ssoenv list --names 2>$null",
            "[DateTimeOffset]::UtcNow.ToUnixTimeSeconds()",
            "function ssoenv_prompt {",
        ] {
            assert!(ps.contains(line), "missing: {line}");
        }
        // The check comes before the evaluation.
        let check = ps.find("if ($LASTEXITCODE -ne 0)").unwrap_or(usize::MAX);
        let eval = ps.find("Invoke-Expression (@($code)").unwrap_or(0);
        assert!(check < eval);
        // Help and version are printed before anything is captured, so never evaluated.
        let help = ps
            .find("-cmatch '^(--help|-[^-]*h.*)$') {\n            _ssoenv_usage\n            & ssoenv use --help\n            return")
            .unwrap_or(usize::MAX);
        let version = ps
            .find("-cmatch '^(--version|-[^-]*V.*)$') {\n            & ssoenv --version\n            return")
            .unwrap_or(usize::MAX);
        let capture = ps.find("$code = & ssoenv unset").unwrap_or(0);
        assert!(help < capture && version < capture);
        // Every bracket is closed (a cheap guard against a typo nobody here can run).
        for (open, close) in [('{', '}'), ('(', ')'), ('[', ']')] {
            let count = |c| POWERSHELL.chars().filter(|x| *x == c).count();
            assert_eq!(count(open), count(close), "{open}{close}");
        }
        // Only functions are defined: no aliases, no variables at load, no prompt.
        for forbidden in [
            "Set-Alias",
            "New-Alias",
            "function prompt",
            "function global:",
        ] {
            let code: String = POWERSHELL
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect();
            assert!(!code.contains(forbidden), "{forbidden}");
        }
    }

    #[test]
    fn cmd_runs_ssoenv_through_for_f_without_setlocal_or_files() {
        let cmd = printed(InitShell::Cmd);
        assert!(cmd.starts_with("@echo off\r\n"));
        assert!(!cmd.replace("\r\n", "").contains('\n'), "bare LF");
        let code: Vec<&str> = cmd
            .lines()
            .filter(|l| !l.trim_start().to_ascii_lowercase().starts_with("rem"))
            .collect();
        let code = code.join("\n").to_ascii_lowercase();
        assert!(!code.contains("setlocal"));
        assert!(
            !code.replace("1>&2", "").contains('>'),
            "redirects to a file"
        );
        assert!(!code.contains("%temp%") && !code.contains("%tmp%"));
        assert!(code.contains(
            "for /f \"usebackq delims=\" %%l in (`ssoenv use %* --shell cmd ^|^| echo exit /b 1`) do %%l"
        ));
        assert!(code.contains("`ssoenv unset --shell cmd ^|^| echo exit /b 1`"));
        // Help and version are printed, never run line by line by for /f.
        let help = code
            .find("if \"%%~a\"==\"--help\" goto help")
            .unwrap_or(usize::MAX);
        let first_for = code.find("for /f").unwrap_or(0);
        assert!(help < first_for);
        for line in [
            "if \"%%~a\"==\"-h\" goto help",
            "if \"%%~a\"==\"--version\" goto version",
            "if \"%%~a\"==\"-v\" goto version",
            ":help\n",
            "ssoenv use --help\nexit /b\n",
            ":version\nssoenv --version\nexit /b\n",
        ] {
            assert!(code.contains(line), "missing: {line}");
        }
        assert!(code.contains("set \"ssoenv_previous_profile=%~1\""));
    }
}
