//! Round trips through real shells: render hostile values, evaluate the output in bash, zsh and
//! fish started without user configuration, read every variable back byte for byte (from the
//! shell and from a child's environment), and check that nothing inside a value ran.
//!
//! A missing shell fails its tests, saying what to install (`.ci/run` installs them all).
#![cfg(unix)]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ssoenv::shell::{EnvChanges, Shell, render};
use tempfile::TempDir;

/// The nushell integration, whose `_ssoenv_apply` applies `--shell nu`'s JSON.
const NU_INTEGRATION: &str = include_str!("../../shell/ssoenv.nu");
/// Set in the shell's environment before evaluation, then unset by the output.
const INHERITED_UNSET: &str = "SSOENV_TEST_INHERITED";
/// Set in the shell's environment before evaluation, then overwritten by the output.
const INHERITED_SET: &str = "SSOENV_TEST_OVERWRITTEN";
/// A UTF-8 locale that exists without installing one (macOS has no C.UTF-8).
const UTF8_LOCALE: &str = if cfg!(target_os = "macos") {
    "en_US.UTF-8"
} else {
    "C.UTF-8"
};
/// Never set anywhere: the last change unsets it, which must still leave status 0.
const NEVER_SET: &str = "SSOENV_TEST_NEVER_SET";

/// One way of starting a shell: the program, its flags for "no user configuration", and a line
/// run before the output is evaluated (an option that changes how quotes are read, say).
struct Runner {
    shell: Shell,
    /// The output format evaluated: the shell's own, unless a test pairs them otherwise.
    format: Shell,
    program: PathBuf,
    args: &'static [&'static str],
    prelude: &'static str,
    locale: &'static str,
}

impl Runner {
    fn new(shell: Shell, program: &Path) -> Runner {
        let args: &[&str] = match shell {
            Shell::Bash => &["--noprofile", "--norc"],
            Shell::Zsh => &["-f"],
            Shell::Fish => &["--no-config"],
            Shell::Nu => &["--no-config-file"],
            Shell::Elvish => &["-norc"],
            Shell::Xonsh => &["--no-rc"],
            _ => unreachable!("no real shell for {shell}"),
        };
        Runner {
            shell,
            format: shell,
            program: program.to_owned(),
            args,
            prelude: "",
            locale: UTF8_LOCALE,
        }
    }

    /// A shell in `dir` with nothing of the user's environment but PATH, so that it reads no
    /// configuration and writes no history or universal variables outside `dir`.
    fn command(&self, dir: &Path, extra_args: &[&str]) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(self.args)
            .args(extra_args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("TERM", "dumb")
            .env("PS1", "")
            .env("PS2", "")
            .env("LC_ALL", self.locale)
            .env(INHERITED_UNSET, "inherited")
            .env(INHERITED_SET, "inherited");
        command
    }

    /// Evaluates `changes` the way users do (bash/zsh `eval "$(...)"`, fish `... | source`)
    /// and reports what the shell and a child process then see for each of `names`.
    fn evaluate(&self, dir: &Path, changes: &EnvChanges, names: &[String]) -> Evaluated {
        let output = render(self.format, changes).expect("render");
        std::fs::write(dir.join("out"), &output).expect("write out");
        let mut driver = format!("{}\n", self.prelude);
        match self.shell {
            Shell::Fish => {
                driver.push_str("cat out | source\nprintf 'status=%s\\0' $status\n");
                for name in names {
                    // `count` shows a value that fish split into a list; "1" matches bash's marker.
                    driver.push_str(&format!(
                        "if set -q {name}; printf '%s\\0' (count ${name}) \"${name}\"; \
                         else; printf '%s\\0' '' ''; end\n"
                    ));
                }
            }
            Shell::Nu => {
                // Applied by the integration's own `_ssoenv_apply`, as `awsuse` applies it.
                std::fs::write(dir.join("ssoenv.nu"), NU_INTEGRATION).expect("write ssoenv.nu");
                driver.push_str(&format!(
                    "source ssoenv.nu\n_ssoenv_apply (open --raw out | from json)\n\
                     let names = {}\n\
                     print -n ([status=0 ...($names | each {{|n| if ($n in $env) \
                     {{ ['1' ($env | get $n)] }} else {{ ['' ''] }} }} | flatten)] \
                     | str join (char nul)) (char nul)\n^env -0 | save --raw env0\n",
                    serde_json::to_string(names).expect("names")
                ));
            }
            Shell::Elvish => {
                driver.push_str(
                    "use str\nvar z = (str:from-codepoints 0)\neval (slurp < out)\n\
                                 print status=0$z\n",
                );
                for name in names {
                    driver.push_str(&format!(
                        "if (has-env {name}) {{ print 1$z(get-env {name})$z }} \
                         else {{ print $z$z }}\n"
                    ));
                }
            }
            Shell::Xonsh => {
                // The documented form: `execx($(ssoenv use P --shell xonsh))`.
                driver.push_str(&format!(
                    "execx($(cat out))\nimport sys\n\
                     w = sys.stdout.buffer.write\nw(b'status=0\\0')\n\
                     for n in {}:\n    if n in ${{...}}:\n        \
                     w(b'1\\0' + ${{...}}[n].encode('utf-8', 'surrogateescape') + b'\\0')\n    \
                     else:\n        w(b'\\0\\0')\nsys.stdout.flush()\n",
                    serde_json::to_string(names).expect("names")
                ));
            }
            _ => {
                driver.push_str("eval \"$(cat out)\"\nprintf 'status=%s\\0' \"$?\"\n");
                for name in names {
                    driver.push_str(&format!(
                        "printf '%s\\0' \"${{{name}+1}}\" \"${{{name}-}}\"\n"
                    ));
                }
            }
        }
        if self.shell != Shell::Nu {
            driver.push_str("env -0 > env0\n");
        }
        std::fs::write(dir.join("driver"), driver).expect("write driver");

        let result = self
            .command(dir, &["driver"])
            .output()
            .expect("start shell");
        Evaluated {
            // Missing when the driver broke off early; `check` then reports the shell's output.
            env0: std::fs::read(dir.join("env0")).unwrap_or_default(),
            result,
            context: format!(
                "{} output in {} {:?} {} locale {}\noutput: {output:?}",
                self.format,
                self.program.display(),
                self.args,
                self.prelude,
                self.locale
            ),
        }
    }
}

/// A shell's report after evaluating the output, judged by `check`.
struct Evaluated {
    result: Output,
    /// `env -0` of a child started after the evaluation.
    env0: Vec<u8>,
    context: String,
}

impl Evaluated {
    /// Fails unless the evaluation left status 0 and printed nothing of its own, and every name
    /// holds exactly its expected value (`None`: unset), in the shell and in a child's
    /// environment.
    fn check(&self, names: &[String], expected: &[Option<&str>]) -> Result<(), String> {
        let fail = |why: String| {
            Err(format!(
                "{}\n{why}\n{}",
                self.context,
                describe(&self.result)
            ))
        };
        if !self.result.status.success() || !self.result.stderr.is_empty() {
            return fail("the shell failed or complained".into());
        }
        let fields = match split_nul(&self.result.stdout) {
            Some(fields) if fields.len() == 1 + 2 * names.len() => fields,
            _ => return fail("not one status and two fields a variable".into()),
        };
        if fields[0] != b"status=0" {
            return fail("evaluation did not leave status 0".into());
        }
        let environment: HashMap<&[u8], &[u8]> = split_nul(&self.env0)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|entry| {
                let at = entry.iter().position(|b| *b == b'=')?;
                Some((&entry[..at], &entry[at + 1..]))
            })
            .collect();
        for ((name, want), pair) in names.iter().zip(expected).zip(fields[1..].chunks(2)) {
            let want = want.map(str::as_bytes);
            // bash and zsh print "1" for a set variable; fish prints the count of its elements.
            let got = match (pair[0], pair[1]) {
                (b"", b"") => None,
                (b"1", value) => Some(value),
                (count, _) => return fail(format!("{name} is a list of {count:?} elements")),
            };
            if got != want {
                return fail(format!(
                    "shell variable {name}: got {:?}, want {:?}",
                    got.map(String::from_utf8_lossy),
                    want.map(String::from_utf8_lossy)
                ));
            }
            let exported = environment.get(name.as_bytes()).copied();
            if exported != want {
                return fail(format!(
                    "exported {name}: got {:?}, want {:?}",
                    exported.map(String::from_utf8_lossy),
                    want.map(String::from_utf8_lossy)
                ));
            }
        }
        Ok(())
    }
}

/// NUL-terminated fields; `None` when the last one is unterminated.
fn split_nul(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut fields: Vec<&[u8]> = bytes.split(|b| *b == 0).collect();
    (fields.pop() == Some(b"")).then_some(fields)
}

fn describe(output: &Output) -> String {
    format!(
        "status: {}\nstdout: {:?}\nstderr: {:?}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Values built to break quoting in at least one of the supported shells. Those that would run a
/// command create `marker` if they succeed.
fn hostile_values(marker: &Path) -> Vec<String> {
    let m = marker.display();
    let mut values: Vec<String> = [
        "'",
        "''",
        "\"",
        "it's",
        "'\"'\"'",
        "a\\",
        "\\",
        "\\\\",
        "\\\\'",
        "\\'",
        "'\\",
        "back\\slash\\n\\t\\x41\\u0041",
        "a\\\nb",
        "$HOME",
        "${HOME}",
        "~",
        "~/x",
        "$((1+1))",
        "$'\\x41'",
        "%PATH%",
        "%",
        "!",
        "!!",
        "!$",
        "!-1",
        "a!b",
        "^",
        "^a^b",
        "line\n^a^b",
        "line\n!!",
        "line1\nline2",
        "trailing newline\n",
        "\n",
        "\n\n",
        "crlf\r\n",
        "cr\r",
        "tab\there",
        "\u{2018}\u{2019}\u{201A}\u{201B}",
        "'\u{2019}'\u{2018}",
        "\u{201C}\u{201D}",
        "🔑😀",
        "é",
        "日本",
        " leading",
        "trailing ",
        "   ",
        "-n",
        "--",
        "-e",
        "-gx",
        "--help",
        "*",
        "?",
        "[a]",
        "{a,b}",
        "=ls",
        "a;b",
        "a&b",
        "a|b",
        "<x>",
        "#comment",
        "x=y",
        "; and true",
        "end",
        "\u{1}\u{7f}",
        "\u{1b}[31mred",
        "\u{80}\u{83}\u{9f}",
        "\u{85}\u{2028}\u{2029}",
        "\u{a0}\u{feff}",
        "\u{f600}\u{f6ff}\u{fdd0}\u{fffe}\u{10ffff}",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    values.extend([
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("\"$(touch {m})\""),
        format!("'$(touch {m})'"),
        format!("';touch {m};'"),
        format!("';touch {m};#"),
        format!("\\';touch {m};echo '"),
        format!("(touch {m})"),
        format!("'(touch {m})'"),
        format!("\\'; touch {m}; echo \\'"),
        format!("'\nexport SSOENV_TEST_NEVER_SET=x; touch {m}\n'"),
        format!("a\n$(touch {m})\n"),
        // A session token is about a kilobyte; a generous value must not hit a line limit.
        "AbC/+=\\'\"$`!%^\n".repeat(4096),
    ]);
    values
}

/// The hostile values, plus the unsets: an inherited variable, and last a never-set one. Nothing
/// may run whichever format the shell reads; where it reads its own, every value comes back.
fn hostile_round_trip(runner: &Runner) {
    let dir = TempDir::new().expect("tempdir");
    let marker = dir.path().join("pwned");
    let values = hostile_values(&marker);

    let mut changes = EnvChanges::new();
    let mut names = Vec::new();
    let mut expected = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let name = format!("SSOENV_T{i}");
        changes.set(&name, value);
        names.push(name);
        expected.push(Some(value.as_str()));
    }
    for (name, value) in [
        (INHERITED_SET, Some("overwritten")),
        (INHERITED_UNSET, None),
        (NEVER_SET, None),
    ] {
        match value {
            Some(v) => changes.set(name, v),
            None => changes.unset(name),
        };
        names.push(name.to_owned());
        expected.push(value);
    }

    let evaluated = runner.evaluate(dir.path(), &changes, &names);
    assert!(
        !marker.exists(),
        "a value ran a command\n{}\n{}",
        evaluated.context,
        describe(&evaluated.result)
    );
    let posix = |shell| matches!(shell, Shell::Bash | Shell::Zsh);
    let own_format = runner.format == runner.shell || posix(runner.format) && posix(runner.shell);
    if !own_format {
        return;
    }
    if let Err(e) = evaluated.check(&names, &expected) {
        panic!("{e}");
    }
}

/// Each hostile value in an output of its own, each evaluated on its own (bash/zsh/dash in a
/// subshell, as a syntax error in `eval` ends a POSIX shell; fish `source`s each): one value that
/// breaks the quoting cannot hide behind another's syntax error, which would stop the shell
/// before anything ran when all are read together.
fn hostile_values_alone_never_run(runner: &Runner) {
    let dir = TempDir::new().expect("tempdir");
    let marker = dir.path().join("pwned");
    let mut driver = format!("{}\n", runner.prelude);
    for (i, value) in hostile_values(&marker).iter().enumerate() {
        let mut changes = EnvChanges::new();
        changes.set("SSOENV_T", value);
        let output = render(runner.format, &changes).expect("render");
        std::fs::write(dir.path().join(format!("out{i}")), output).expect("write out");
        driver.push_str(&match runner.shell {
            Shell::Fish => format!("cat out{i} | source 2>/dev/null\n"),
            _ => format!("( eval \"$(cat out{i})\" ) 2>/dev/null\n"),
        });
    }
    driver.push_str("echo done\n");
    std::fs::write(dir.path().join("driver"), driver).expect("write driver");
    let result = runner
        .command(dir.path(), &["driver"])
        .output()
        .expect("start shell");
    let context = format!(
        "{} output, one value at a time, in {} {:?} {}",
        runner.format,
        runner.program.display(),
        runner.args,
        runner.prelude
    );
    assert!(!marker.exists(), "a value ran a command: {context}");
    assert!(
        String::from_utf8_lossy(&result.stdout).ends_with("done\n"),
        "{context}\n{}",
        describe(&result)
    );
}

fn hostile_round_trips(shell: Shell, preludes: &[&'static str]) {
    let program = crate::util::tool(shell.name());
    for prelude in preludes {
        for locale in [UTF8_LOCALE, "C"] {
            hostile_round_trip(&Runner {
                prelude,
                locale,
                ..Runner::new(shell, &program)
            });
        }
    }
}

#[test]
fn hostile_values_round_trip_in_bash() {
    hostile_round_trips(Shell::Bash, &["", "set -o posix"]);
}

#[test]
fn hostile_values_round_trip_in_zsh() {
    // RC_QUOTES reads '' inside single quotes as a quote: `'\''` must still close and reopen.
    hostile_round_trips(Shell::Zsh, &["", "setopt rc_quotes", "emulate sh"]);
}

#[test]
fn hostile_values_round_trip_in_fish() {
    hostile_round_trips(Shell::Fish, &[""]);
}

#[test]
fn hostile_values_round_trip_in_nu() {
    hostile_round_trips(Shell::Nu, &[""]);
}

#[test]
fn hostile_values_round_trip_in_elvish() {
    hostile_round_trips(Shell::Elvish, &[""]);
}

#[test]
fn hostile_values_round_trip_in_xonsh() {
    hostile_round_trips(Shell::Xonsh, &[""]);
}

/// A format read by the wrong shell (a fish user's `eval "$(ssoenv use P)"` typed in bash, bash's
/// output sourced by fish, or SSOENV_SHELL=xonsh left exported in a bash that evals) may fail, but
/// no value may run: every hostile value through each (format, evaluating shell) pair, bash also
/// as posix, zsh also with RC_QUOTES and as sh, and dash. Every format but two: PowerShell's
/// (single quotes, a quote doubled) cannot be inert where fish reads `\'` inside single quotes as
/// an escape, and cmd's holds only values with no quote, `%`, `!`, `^` or line break (the rest
/// are refused), so there is nothing a POSIX shell or fish could be made to run.
#[test]
fn hostile_values_never_run_whichever_shell_reads_which_format() {
    let formats = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Json,
        Shell::Nu,
        Shell::Elvish,
        Shell::Xonsh,
    ];
    for (shell, preludes) in [
        (Shell::Bash, &["", "set -o posix"][..]),
        (Shell::Zsh, &["", "setopt rc_quotes", "emulate sh"][..]),
        (Shell::Fish, &[""][..]),
    ] {
        let program = crate::util::tool(shell.name());
        for format in formats {
            for prelude in preludes {
                let runner = Runner {
                    format,
                    prelude,
                    ..Runner::new(shell, &program)
                };
                hostile_round_trip(&runner);
                hostile_values_alone_never_run(&runner);
            }
        }
    }
    // dash, the sh of Debian and Ubuntu, evaluates as bash and zsh do (POSIX).
    let dash = crate::util::tool("dash");
    for format in formats {
        let runner = Runner {
            format,
            args: &[],
            ..Runner::new(Shell::Bash, &dash)
        };
        hostile_round_trip(&runner);
        hostile_values_alone_never_run(&runner);
    }
}

/// `eval "$(ssoenv unset)" && cmd` and `ssoenv unset | source; and cmd`, typed as documented,
/// must reach `cmd` even when the last change unsets a variable nobody set.
fn user_forms_succeed(shell: Shell, forms: &[&str]) {
    let program = crate::util::tool(shell.name());
    let runner = Runner::new(shell, &program);
    let dir = TempDir::new().expect("tempdir");
    let mut changes = EnvChanges::new();
    changes.set("SSOENV_TEST_A", "it's").unset(NEVER_SET);
    let mut only_unset = EnvChanges::new();
    only_unset.unset(NEVER_SET);
    for (file, changes) in [
        ("out", &changes),
        ("unset", &only_unset),
        ("empty", &EnvChanges::new()),
    ] {
        std::fs::write(
            dir.path().join(file),
            render(shell, changes).expect("render"),
        )
        .expect("write");
        for form in forms {
            let script = form.replace("FILE", file);
            let result = runner
                .command(dir.path(), &["-c", &script])
                .output()
                .expect("start shell");
            assert_eq!(
                (
                    result.status.code(),
                    result.stdout.as_slice(),
                    result.stderr.as_slice()
                ),
                (Some(0), &b"ok\n"[..], &b""[..]),
                "{shell} {script}\n{}",
                describe(&result)
            );
        }
    }
}

#[test]
fn output_evaluates_with_status_0_in_bash() {
    user_forms_succeed(
        Shell::Bash,
        &[
            "eval \"$(cat FILE)\" && echo ok",
            "out=$(cat FILE); eval \"$out\" && echo ok",
            "set -e; eval \"$(cat FILE)\"; echo ok",
            ". ./FILE && echo ok",
        ],
    );
}

#[test]
fn output_evaluates_with_status_0_in_zsh() {
    user_forms_succeed(
        Shell::Zsh,
        &[
            "eval \"$(cat FILE)\" && echo ok",
            "set -e; eval \"$(cat FILE)\"; echo ok",
            ". ./FILE && echo ok",
        ],
    );
}

#[test]
fn output_evaluates_with_status_0_in_fish() {
    user_forms_succeed(
        Shell::Fish,
        &["cat FILE | source; and echo ok", "source FILE; and echo ok"],
    );
}

/// Values that history expansion (`!!`, `!$`, `^a^b` at the start of a line) would change.
const HISTORY_VALUES: [&str; 10] = [
    "!",
    "!!",
    "!$",
    "a!!b",
    "!-1",
    "^a^b",
    "line\n!!",
    "line\n^a^b",
    "!'!",
    "\\!",
];

/// Evaluates the output with `eval "$(cat out)"` typed into a shell that expands history, and
/// also pastes the `pastable` values' output as typed lines, the harshest reading it can get.
/// The first lines prove that expansion is live: `C` must come back as the previous command.
fn survives_history_expansion(runner: &Runner, start: &str, pastable: fn(&str) -> bool) -> Output {
    let dir = TempDir::new().expect("tempdir");
    let pasted: Vec<&str> = HISTORY_VALUES.into_iter().filter(|v| pastable(v)).collect();
    let mut paste = EnvChanges::new();
    let mut eval = EnvChanges::new();
    for (i, value) in pasted.iter().enumerate() {
        paste.set(format!("P{i}"), *value);
    }
    for (i, value) in HISTORY_VALUES.iter().enumerate() {
        eval.set(format!("H{i}"), *value);
    }
    let pasted_output = render(runner.shell, &paste).expect("render");
    let output = render(runner.shell, &eval).expect("render");
    std::fs::write(dir.path().join("out"), &output).expect("write");
    let print = |prefix: &str, n: usize| -> String {
        (0..n)
            .map(|i| format!("printf '%s\\0' \"${prefix}{i}\"\n"))
            .collect()
    };
    let input = format!(
        "{start}: histcheck\nC=\"!!\"\nprintf '%s\\0' \"$C\"\n{pasted_output}{}\
         eval \"$(cat out)\"\n{}",
        print("P", pasted.len()),
        print("H", HISTORY_VALUES.len()),
    );
    let mut child = runner
        .command(dir.path(), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start shell");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let result = child.wait_with_output().expect("wait");
    let expected: Vec<&[u8]> = [": histcheck"]
        .iter()
        .chain(&pasted)
        .chain(&HISTORY_VALUES)
        .map(|v| v.as_bytes())
        .collect();
    assert_eq!(
        split_nul(&result.stdout),
        Some(expected),
        "{} {:?}\npasted: {pasted_output:?}\n{}",
        runner.shell,
        runner.args,
        describe(&result)
    );
    // The shell prints each line it expanded: only the control line may appear.
    assert_eq!(
        String::from_utf8_lossy(&result.stderr),
        "C=\": histcheck\"\n"
    );
    result
}

#[test]
fn history_expansion_cannot_touch_values_in_bash() {
    let program = crate::util::tool("bash");
    // `bash -i` reading a pipe also prints job-control warnings and echoes its input; history
    // expansion (what is under test) works the same in a shell that reads stdin with these on.
    let runner = Runner::new(Shell::Bash, &program);
    // Bash 5.2 rewrites a line starting with `^` to `!!:s^...` even when that line continues a
    // single-quoted string, so a pasted (not eval'd) value with a line starting `^` changes.
    // Nothing runs; `eval "$(...)"`, the documented form, is not subject to history at all.
    let pastable = |v: &str| !v.contains("\n^");
    survives_history_expansion(&runner, "set -o history -H\n", pastable);
}

#[test]
fn history_expansion_cannot_touch_values_in_zsh() {
    let program = crate::util::tool("zsh");
    let mut runner = Runner::new(Shell::Zsh, &program);
    runner.args = &[
        "-f",
        "-i",
        "+o",
        "PROMPT_SP",
        "+o",
        "PROMPT_CR",
        "+o",
        "ZLE",
    ];
    survives_history_expansion(&runner, "", |_| true);
}

/// Arbitrary strings and strings made mostly of characters that matter to some shell.
fn value() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '\'', '"', '\\', '$', '`', '!', '%', '^', '\n', '\r', '\t', ' ', '(', ')', ';', '&', '|',
        '<', '>', '*', '?', '~', '#', '{', '}', '[', ']', '=', '-', '\u{1}', '\u{7f}', '\u{2018}',
        '\u{2019}', '\u{201A}', '\u{201B}', 'é', '日',
    ]);
    let any_char = any::<char>().prop_filter("no NUL", |c| *c != '\0');
    let biased = prop::collection::vec(prop_oneof![4 => tricky, 1 => any_char], 0..24)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    prop_oneof![any::<String>().prop_map(|s| s.replace('\0', "")), biased]
}

/// Each case is a batch of values evaluated by one shell process, so that a few hundred cases
/// stay fast; an empty value must come back unset.
fn random_round_trips(shell: Shell) {
    let program = crate::util::tool(shell.name());
    let runner = Runner::new(shell, &program);
    let config = Config {
        // xonsh takes about half a second to start, the others milliseconds.
        cases: if shell == Shell::Xonsh { 30 } else { 200 },
        failure_persistence: None,
        ..Config::default()
    };
    let strategy = prop::collection::vec(value(), 1..8);
    let result = TestRunner::new(config).run(&strategy, |values| {
        let dir = TempDir::new().expect("tempdir");
        let mut changes = EnvChanges::new();
        let names: Vec<String> = (0..values.len()).map(|i| format!("SSOENV_P{i}")).collect();
        for (name, value) in names.iter().zip(&values) {
            changes.set(name, value);
        }
        let expected: Vec<Option<&str>> = values
            .iter()
            .map(|v| Some(v.as_str()).filter(|v| !v.is_empty()))
            .collect();
        let evaluated = runner.evaluate(dir.path(), &changes, &names);
        evaluated
            .check(&names, &expected)
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{shell}: {e}");
    }
}

#[test]
fn random_values_round_trip_in_bash() {
    random_round_trips(Shell::Bash);
}

#[test]
fn random_values_round_trip_in_zsh() {
    random_round_trips(Shell::Zsh);
}

#[test]
fn random_values_round_trip_in_fish() {
    random_round_trips(Shell::Fish);
}

#[test]
fn random_values_round_trip_in_nu() {
    random_round_trips(Shell::Nu);
}

#[test]
fn random_values_round_trip_in_elvish() {
    random_round_trips(Shell::Elvish);
}

#[test]
fn random_values_round_trip_in_xonsh() {
    random_round_trips(Shell::Xonsh);
}
