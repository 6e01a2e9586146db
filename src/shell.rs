//! Shell output: an ordered list of environment changes, rendered last as code for one shell.
//!
//! Values come from files and servers ssoenv does not control, and the output is evaluated by the
//! user's shell, so every value is quoted such that no byte of it can run as code (ARCHITECTURE.md,
//! "Shell output"). Keeping the changes as data until the end (as
//! direnv does) lets one list serve every shell, `exec` and JSON alike.

use std::fmt;

use crate::error::{Error, Result};
use crate::pyjson::Separators;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Cmd,
    Json,
    Nu,
    Elvish,
    Xonsh,
}

impl Shell {
    pub const ALL: [Shell; 9] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Cmd,
        Shell::Json,
        Shell::Nu,
        Shell::Elvish,
        Shell::Xonsh,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Cmd => "cmd",
            Shell::Json => "json",
            Shell::Nu => "nu",
            Shell::Elvish => "elvish",
            Shell::Xonsh => "xonsh",
        }
    }

    /// A shell by name, ignoring case and a `.exe` suffix so that Windows program names work.
    pub fn from_name(name: &str) -> Option<Shell> {
        let name = name.trim().to_ascii_lowercase();
        match name.strip_suffix(".exe").unwrap_or(&name) {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            "powershell" | "pwsh" => Some(Shell::Powershell),
            "cmd" => Some(Shell::Cmd),
            "json" => Some(Shell::Json),
            "nu" => Some(Shell::Nu),
            "elvish" => Some(Shell::Elvish),
            "xonsh" => Some(Shell::Xonsh),
            _ => None,
        }
    }

    /// The shell to print for when `--shell` is not given: `$SSOENV_SHELL`, else the program that
    /// started ssoenv (`parent`, asked only when needed), else `$SHELL`, else bash. The parent
    /// comes before `$SHELL` because it is the shell that evaluates the output: with
    /// `eval "$(ssoenv use P)"` it is the command substitution's subshell, with `ssoenv use P |
    /// source` it is fish, while `$SHELL` is only the login shell (fish, say, in a bash opened
    /// from it).
    pub fn detect(
        ssoenv_shell: Option<&str>,
        parent: impl FnOnce() -> Option<String>,
        login_shell: Option<&str>,
    ) -> Result<Shell> {
        // Set on purpose, so a name ssoenv cannot print for is an error, never a guess: the
        // guessed syntax would fail in the shell, or do something else there.
        if let Some(name) = ssoenv_shell.filter(|n| !n.trim().is_empty()) {
            return Shell::from_name(name)
                .or_else(|| Shell::from_program(name))
                .ok_or_else(|| {
                    let names: Vec<&str> = Shell::ALL.iter().map(|s| s.name()).collect();
                    Error::usage(
                        "SSOENV_SHELL",
                        format!(
                            "{name:?} is not a shell ssoenv prints for; it knows {} (and sh, \
                             dash, ksh, which read bash's)",
                            names.join(", ")
                        ),
                    )
                    .with_hint(
                        "set SSOENV_SHELL to one of those, or unset it to print for the shell \
                         that runs ssoenv",
                    )
                });
        }
        Ok(parent()
            .as_deref()
            .and_then(Shell::from_program)
            .or_else(|| login_shell.and_then(Shell::from_program))
            .unwrap_or(Shell::Bash))
    }

    /// The output format for a shell program, by path or name: POSIX shells (`sh`, `dash`,
    /// `ksh`...) read bash's. A program is never a JSON consumer, whatever it happens to be
    /// called; anything else is unknown. xonsh is a Python script, which Linux names after the
    /// script (`xonsh`), not `python3`, unless it was started as `python3 -m xonsh`: a parent
    /// called python is no shell.
    fn from_program(path: &str) -> Option<Shell> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        match name.trim().to_ascii_lowercase().as_str() {
            "sh" | "dash" | "ash" | "ksh" | "ksh93" | "mksh" | "oksh" | "pdksh" | "yash"
            | "posh" | "busybox" => Some(Shell::Bash),
            _ => Shell::from_name(name).filter(|s| *s != Shell::Json),
        }
    }
}

/// The name of the program that started this one (the shell that evaluates `use`'s output,
/// typically): one small read of /proc. None where there is no /proc (macOS, Windows): `$SHELL`
/// decides there.
pub fn parent_program() -> Option<String> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let ppid = std::os::unix::process::parent_id();
        let comm = std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
        Some(comm.trim_end_matches('\n').to_string())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        None
    }
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set { name: String, value: String },
    Unset { name: String },
}

impl Change {
    pub fn name(&self) -> &str {
        match self {
            Change::Set { name, .. } | Change::Unset { name } => name,
        }
    }

    /// The value set, or `None` for an unset.
    pub fn value(&self) -> Option<&str> {
        match self {
            Change::Set { value, .. } => Some(value),
            Change::Unset { .. } => None,
        }
    }
}

/// Environment changes in the order they were made, at most one per name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvChanges(Vec<Change>);

impl EnvChanges {
    pub fn new() -> Self {
        EnvChanges(Vec::new())
    }

    /// Sets `name`; an empty value unsets it instead, because tools treat an exported empty
    /// string differently from an absent variable (an empty `AWS_PROFILE` breaks the SDKs).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let (name, value) = (name.into(), value.into());
        if value.is_empty() {
            return self.unset(name);
        }
        self.put(Change::Set { name, value })
    }

    pub fn unset(&mut self, name: impl Into<String>) -> &mut Self {
        self.put(Change::Unset { name: name.into() })
    }

    /// A later change to a name replaces the earlier one where it stands, so each name is
    /// rendered once (JSON cannot hold a key twice) and the order stays the order of first use.
    fn put(&mut self, change: Change) -> &mut Self {
        match self.0.iter_mut().find(|c| c.name() == change.name()) {
            Some(slot) => *slot = change,
            None => self.0.push(change),
        }
        self
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Change> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'a> IntoIterator for &'a EnvChanges {
    type Item = &'a Change;
    type IntoIter = std::slice::Iter<'a, Change>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The code that applies `changes` in `shell`: one line a change, each ending in a newline (for
/// JSON, one object on one line). Evaluating it leaves status 0, so `eval "$(ssoenv use dev)" &&
/// cmd` works even when the last change unsets a variable that was never set.
pub fn render(shell: Shell, changes: &EnvChanges) -> Result<String> {
    let mut parts = Vec::with_capacity(changes.len());
    for change in changes {
        check(change)?;
        parts.push(fragment(shell, change)?);
    }
    Ok(match shell {
        Shell::Json | Shell::Nu => format!("{{{}}}\n", parts.join(", ")),
        _ => parts.into_iter().map(|line| line + "\n").collect(),
    })
}

fn check(change: &Change) -> Result<()> {
    let name = change.name();
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::new(
            format!("variable name {name:?}"),
            "not a valid name: use ASCII letters, digits and _, not starting with a digit",
        ));
    }
    if change.value().is_some_and(|v| v.contains('\0')) {
        return Err(Error::new(
            format!("variable {name}"),
            "its value holds a NUL byte, which no environment variable can hold",
        ));
    }
    Ok(())
}

/// One change in `shell` syntax; for JSON, one `"NAME": value` member.
fn fragment(shell: Shell, change: &Change) -> Result<String> {
    let name = change.name();
    Ok(match (shell, change.value()) {
        (Shell::Bash | Shell::Zsh, Some(value)) => format!("export {name}={}", quote(value)),
        // `-v`: with no such variable, a plain `unset` in bash removes a function of that name.
        (Shell::Bash | Shell::Zsh, None) => format!("unset -v {name}"),
        // Long options: read by zsh, `set -gx` would turn on xtrace (printing every secret that
        // follows) and `set -e` errexit; `set --global ...` only sets its positional parameters.
        (Shell::Fish, Some(value)) => format!("set --global --export {name} {}", quote(value)),
        // Erasing a variable that does not exist fails (status 4); `or true` keeps the
        // documented `ssoenv unset | source; and cmd` working.
        (Shell::Fish, None) => format!("set --erase --global {name}; or true"),
        (Shell::Powershell, Some(value)) => {
            format!("$Env:{name} = {}", powershell_quote(value))
        }
        (Shell::Powershell, None) => {
            format!("Remove-Item -ErrorAction SilentlyContinue -LiteralPath 'Env:/{name}'")
        }
        (Shell::Cmd, Some(value)) => {
            cmd_check(name, value)?;
            format!("set \"{name}={value}\"")
        }
        (Shell::Cmd, None) => format!("set \"{name}=\""),
        // nushell has no `eval`: code printed for it could run only in a child `nu -c`, which
        // cannot change the caller's environment. So it gets data, parsed by a JSON parser that
        // runs nothing: `--shell json`'s object (null to unset), which `from json | load-env`
        // applies as it is (a null reaches no program) and `awsuse` splits into `load-env` and
        // `hide-env`. A record in nuon would need a quoting of nushell's own, and nuon has no
        // specification to hold it to. ASCII only, and inert in POSIX shells: `json_string`.
        (Shell::Json | Shell::Nu, value) => {
            let value = value.map_or_else(|| "null".to_string(), json_string);
            format!("{}: {value}", serde_json::Value::from(name))
        }
        // `set-env` and `unset-env` change the process environment, so they hold through
        // `eval`, which keeps the variables the code defines to itself; `unset-env` of an
        // absent variable succeeds.
        (Shell::Elvish, Some(value)) => format!("set-env {name} {}", inert_quote(value)),
        (Shell::Elvish, None) => format!("unset-env {name}"),
        (Shell::Xonsh, Some(value)) => format!("${name} = {}", inert_quote(value)),
        // `del $NAME` raises KeyError when NAME is absent. Not `${...}.pop(...)`: at the prompt
        // xonsh prints the value of an expression statement, which would show the old secret.
        (Shell::Xonsh, None) => format!("if '{name}' in ${{...}}: del ${name}"),
    })
}

/// A JSON string that also stays inert text when bash, zsh, dash or fish evaluates the JSON (a
/// `--shell nu` or `--shell json` output pasted into `eval`): it is double-quoted there, where
/// those shells still read `$`, a backquote and `!` (history), so those are written as the JSON
/// escapes `\u0024`, `\u0060` and `\u0021`. serde_json escapes `"`, `\` and control
/// characters, each as a backslash that these shells, inside double quotes, keep or drop but never
/// act on. A JSON parser reads back the same string.
fn json_string(value: &str) -> String {
    // ASCII only (`\u00e9`), as Python's json.dumps writes it: PowerShell's ConvertFrom-Json gets
    // a native program's output decoded in the console's code page, not UTF-8.
    let json = crate::pyjson::dumps(&serde_json::Value::from(value), Separators::Default);
    // None of the three can be part of one of the escapes, so each is the character itself.
    json.replace('$', "\\u0024")
        .replace('`', "\\u0060")
        .replace('!', "\\u0021")
}

/// One quoting for elvish (a string) and xonsh (a Python string literal) that is also inert where
/// bash, zsh, dash or fish read it (output for the wrong shell, e.g. SSOENV_SHELL=xonsh left
/// exported in a bash that runs `eval "$(ssoenv use P)"`): a double-quoted string in which every
/// character outside `[A-Za-z0-9 _./,:=@+%-]` is an escape, `\xNN` below 0x80, else `\uNNNN` or
/// `\UNNNNNNNN` (elvish's `\xNN` is a byte, so nothing above ASCII is written that way). elvish
/// and Python read each escape back as the character; POSIX shells and fish, inside double quotes,
/// see only letters, digits, those few marks and backslashes followed by `x`, `u` or `U`, which
/// they keep as they are: no `$`, backquote, `"`, `!` or `\` that could end or act. The text is
/// printable ASCII, so nothing is left to a terminal's or a decoder's reading of it either.
fn inert_quote(value: &str) -> String {
    use std::fmt::Write as _;
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            'A'..='Z'
            | 'a'..='z'
            | '0'..='9'
            | ' '
            | '_'
            | '.'
            | '/'
            | ','
            | ':'
            | '='
            | '@'
            | '+'
            | '%'
            | '-' => quoted.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(quoted, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(quoted, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(quoted, "\\U{:08x}", c as u32);
            }
        }
    }
    quoted.push('"');
    quoted
}

/// One quoting for bash, zsh, dash and fish at once, so that output read by the wrong one of
/// them (a fish user's `eval "$(ssoenv use P)"` in bash) can fail but never run a value: runs of
/// characters inside single quotes, where POSIX shells take every byte as it is, and `'` and `\`
/// outside them as `\'` and `\\`, which POSIX shells and fish read alike. Inside the quotes fish
/// would read `\\` and `\'`, and POSIX shells not, so neither ever stands there. No quote closes
/// right before one opens, which zsh's RC_QUOTES would read as a literal quote.
pub fn quote(value: &str) -> String {
    if value.is_empty() {
        return "''".to_string();
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    let mut open = false;
    for c in value.chars() {
        let outside = matches!(c, '\'' | '\\');
        // Close the quotes before a `'` or `\`; open them before anything else.
        if outside == open {
            quoted.push('\'');
            open = !open;
        }
        if outside {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    if open {
        quoted.push('\'');
    }
    quoted
}

/// `word` as it can be pasted into a shell (POSIX or fish) as one word, for the commands that
/// messages suggest: as it is when it is plainly safe (`dev`, `acct-1.Admin`), else quoted.
pub fn word(word: &str) -> std::borrow::Cow<'_, str> {
    let plain = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '+' | ',')
    };
    if !word.is_empty() && word.chars().all(plain) {
        word.into()
    } else {
        quote(word).into()
    }
}

/// PowerShell ends a single-quoted string at any of five quote characters, the typographic
/// ones included, and reads each of them doubled as one literal character.
///
/// The output is ASCII only. PowerShell decodes a native program's output in
/// `[Console]::OutputEncoding` (the console's code page, 437 or 850 on most Windows machines,
/// not UTF-8), so a UTF-8 `é` would arrive as `Ã©`. Every other character is written as
/// `[char]0x00E9` (one per UTF-16 unit), joined to the quoted runs with `+`, which PowerShell
/// 5.1 and 7 both read the same whatever the code page. The expression starts with a quoted
/// string (`''` if need be): `[char] + [char]` would add numbers. So the typographic quotes,
/// not being ASCII, never stand inside the quotes at all.
fn powershell_quote(value: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in value.chars() {
        if c.is_ascii() {
            if c == '\'' {
                run.push(c);
            }
            run.push(c);
            continue;
        }
        if !run.is_empty() || parts.is_empty() {
            parts.push(format!("'{run}'"));
            run.clear();
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            parts.push(format!("[char]0x{unit:04X}"));
        }
    }
    if !run.is_empty() || parts.is_empty() {
        parts.push(format!("'{run}'"));
    }
    parts.join(" + ")
}

/// cmd has no quoting that holds every character: `%` and `!` expand even inside quotes, `^`
/// is eaten under delayed expansion, `"` ends the quoted `set`, a line break ends the command,
/// and a character outside ASCII is read in the console's code page. Such values are refused
/// rather than mangled.
fn cmd_check(name: &str, value: &str) -> Result<()> {
    let problem = value.chars().find_map(|c| match c {
        '"' => Some("a double quote (\")"),
        '%' => Some("a percent sign (%)"),
        '!' => Some("an exclamation mark (!)"),
        '^' => Some("a caret (^)"),
        '\r' | '\n' => Some("a line break"),
        c if c.is_ascii_control() => Some("a control character"),
        // cmd reads `for /f` output in the console's code page (437, 850, ...), not UTF-8, and
        // a `set` line has no escape to spell a character in ASCII: refused, not garbled.
        c if !c.is_ascii() => Some("a character that is not ASCII (cmd would garble it)"),
        _ => None,
    });
    match problem {
        None => Ok(()),
        Some(what) => Err(Error::new(
            format!("variable {name}"),
            format!("its value holds {what}, which cmd cannot quote safely"),
        )
        .with_hint(
            "use another shell (--shell powershell), or run the command with \
             `ssoenv exec PROFILE -- COMMAND`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, value: &str) -> EnvChanges {
        let mut changes = EnvChanges::new();
        changes.set(name, value);
        changes
    }

    fn rendered(shell: Shell, name: &str, value: &str) -> String {
        match render(shell, &one(name, value)) {
            Ok(text) => text,
            Err(e) => panic!("{shell} refused {name}: {e}"),
        }
    }

    fn refused(shell: Shell, changes: &EnvChanges) -> Error {
        match render(shell, changes) {
            Ok(text) => panic!("{shell} rendered {text:?}, expected a refusal"),
            Err(e) => e,
        }
    }

    fn sample() -> EnvChanges {
        let mut changes = EnvChanges::new();
        changes
            .set("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE")
            .set("AWS_REGION", "eu-west-1")
            .unset("AWS_PROFILE");
        changes
    }

    #[test]
    fn ordinary_changes_in_every_shell() {
        let expected = [
            (
                Shell::Bash,
                "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\nexport AWS_REGION='eu-west-1'\n\
                 unset -v AWS_PROFILE\n",
            ),
            (
                Shell::Zsh,
                "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\nexport AWS_REGION='eu-west-1'\n\
                 unset -v AWS_PROFILE\n",
            ),
            (
                Shell::Fish,
                "set --global --export AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n\
                 set --global --export AWS_REGION 'eu-west-1'\n\
                 set --erase --global AWS_PROFILE; or true\n",
            ),
            (
                Shell::Powershell,
                "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE'\n$Env:AWS_REGION = 'eu-west-1'\n\
                 Remove-Item -ErrorAction SilentlyContinue -LiteralPath 'Env:/AWS_PROFILE'\n",
            ),
            (
                Shell::Cmd,
                "set \"AWS_ACCESS_KEY_ID=ASIAEXAMPLE\"\nset \"AWS_REGION=eu-west-1\"\n\
                 set \"AWS_PROFILE=\"\n",
            ),
            (
                Shell::Json,
                "{\"AWS_ACCESS_KEY_ID\": \"ASIAEXAMPLE\", \"AWS_REGION\": \"eu-west-1\", \
                 \"AWS_PROFILE\": null}\n",
            ),
            (
                Shell::Nu,
                "{\"AWS_ACCESS_KEY_ID\": \"ASIAEXAMPLE\", \"AWS_REGION\": \"eu-west-1\", \
                 \"AWS_PROFILE\": null}\n",
            ),
            (
                Shell::Elvish,
                "set-env AWS_ACCESS_KEY_ID \"ASIAEXAMPLE\"\nset-env AWS_REGION \"eu-west-1\"\n\
                 unset-env AWS_PROFILE\n",
            ),
            (
                Shell::Xonsh,
                "$AWS_ACCESS_KEY_ID = \"ASIAEXAMPLE\"\n$AWS_REGION = \"eu-west-1\"\n\
                 if 'AWS_PROFILE' in ${...}: del $AWS_PROFILE\n",
            ),
        ];
        for (shell, text) in expected {
            assert_eq!(
                render(shell, &sample()).ok().as_deref(),
                Some(text),
                "{shell}"
            );
        }
    }

    #[test]
    fn no_changes_render_nothing() {
        for shell in Shell::ALL {
            let expected = if matches!(shell, Shell::Json | Shell::Nu) {
                "{}\n"
            } else {
                ""
            };
            assert_eq!(
                render(shell, &EnvChanges::new()).ok().as_deref(),
                Some(expected)
            );
        }
    }

    #[test]
    fn one_quoting_for_posix_shells_and_fish() {
        let cases = [
            ("", "''"),
            ("'", r"\'"),
            ("''", r"\'\'"),
            ("it's", r"'it'\''s'"),
            ("a\\", r"'a'\\"),
            ("\\", r"\\"),
            (r"\\'", r"\\\\\'"),
            (r"\n", r"\\'n'"),
            (r"a\'b", r"'a'\\\''b'"),
            ("';touch x;#", r"\'';touch x;#'"),
            ("$(touch x) `id` (id) $HOME", "'$(touch x) `id` (id) $HOME'"),
            ("!! !$ %PATH% ^", "'!! !$ %PATH% ^'"),
            ("a\nb\r\n\t", "'a\nb\r\n\t'"),
            ("\"\u{2018}\u{2019}\"", "'\"\u{2018}\u{2019}\"'"),
            ("-n", "'-n'"),
        ];
        for (value, quoted) in cases {
            assert_eq!(quote(value), quoted, "{value:?}");
            if value.is_empty() {
                continue;
            }
            assert_eq!(
                rendered(Shell::Bash, "V", value),
                format!("export V={quoted}\n")
            );
            assert_eq!(
                rendered(Shell::Zsh, "V", value),
                format!("export V={quoted}\n")
            );
            assert_eq!(
                rendered(Shell::Fish, "V", value),
                format!("set --global --export V {quoted}\n")
            );
        }
    }

    #[test]
    fn suggested_words_are_quoted_only_when_needed() {
        for plain in ["dev", "acct-0001.Admin_Role", "a/b:c@d+e,f"] {
            assert_eq!(word(plain), plain);
        }
        for (hostile, quoted) in [
            ("", "''"),
            ("my profile", "'my profile'"),
            ("';touch x;#", r"\'';touch x;#'"),
            ("$(touch x)", "'$(touch x)'"),
            ("=ls", "'=ls'"),
            ("~root", "'~root'"),
            ("a*", "'a*'"),
            ("é", "'é'"),
        ] {
            assert_eq!(word(hostile), quoted, "{hostile:?}");
        }
    }

    #[test]
    fn powershell_doubles_every_single_quote_character() {
        let cases = [
            ("'", "$Env:V = ''''"),
            ("it's", "$Env:V = 'it''s'"),
            // Not being ASCII, the typographic quotes are written as [char]: they end nothing.
            (
                "\u{2018}a\u{2019}b\u{201A}c\u{201B}",
                "$Env:V = '' + [char]0x2018 + 'a' + [char]0x2019 + 'b' + [char]0x201A + 'c' \
                 + [char]0x201B",
            ),
            // Double quotes (straight and curly) and `$` do nothing inside single quotes.
            (
                "\"\u{201C}$(x)$Env:HOME`n",
                "$Env:V = '\"' + [char]0x201C + '$(x)$Env:HOME`n'",
            ),
            ("a\\", "$Env:V = 'a\\'"),
            ("a\r\nb", "$Env:V = 'a\r\nb'"),
            ("caf\u{e9}", "$Env:V = 'caf' + [char]0x00E9"),
            (
                "\u{e9}t\u{e9}'s",
                "$Env:V = '' + [char]0x00E9 + 't' + [char]0x00E9 + '''s'",
            ),
            // Outside the BMP: two UTF-16 units, which PowerShell strings are made of.
            ("a\u{1f600}", "$Env:V = 'a' + [char]0xD83D + [char]0xDE00"),
        ];
        for (value, line) in cases {
            assert_eq!(rendered(Shell::Powershell, "V", value), format!("{line}\n"));
        }
    }

    /// What Windows shells read arrives in the console's code page: PowerShell and JSON output
    /// spell every other character in ASCII, and cmd refuses it (above and below).
    #[test]
    fn output_for_windows_shells_is_ascii() {
        let value = "caf\u{e9} \u{65e5}\u{672c} \u{1f600} \u{a0}\u{2019}\u{202e}";
        for shell in [Shell::Powershell, Shell::Json] {
            let text = rendered(shell, "V", value);
            assert!(text.is_ascii(), "{shell}: {text}");
        }
    }

    #[test]
    fn cmd_writes_plain_values_and_refuses_the_rest() {
        assert_eq!(
            rendered(Shell::Cmd, "V", "a&b|c<d>e (f) 'g' ~\\"),
            "set \"V=a&b|c<d>e (f) 'g' ~\\\"\n"
        );
        let refusals = [
            ("say \"hi\"", "a double quote"),
            ("%PATH%", "a percent sign"),
            ("wow!", "an exclamation mark"),
            ("a^b", "a caret"),
            ("a\nb", "a line break"),
            ("a\rb", "a line break"),
            ("a\tb", "a control character"),
            ("a\u{1}b", "a control character"),
            ("a\u{1f}b", "a control character"),
            ("a\u{7f}b", "a control character"),
            ("caf\u{e9}", "not ASCII"),
            ("\u{a0}", "not ASCII"),
            ("a\u{1f600}", "not ASCII"),
        ];
        for (value, class) in refusals {
            let e = refused(Shell::Cmd, &one("SECRET_NAME", value));
            assert_eq!(e.what, "variable SECRET_NAME");
            assert!(e.why.contains(class), "{value:?}: {}", e.why);
            assert!(!e.why.contains(value) && !e.what.contains(value));
            assert!(e.hint.as_deref().is_some_and(|h| h.contains("ssoenv exec")));
        }
    }

    #[test]
    fn elvish_and_xonsh_get_a_double_quoted_string_of_escapes() {
        let cases = [
            ("", r#""""#),
            (
                "ASIA/x+y=z,a:b@c%d-e_f.g h",
                r#""ASIA/x+y=z,a:b@c%d-e_f.g h""#,
            ),
            ("'", r#""\x27""#),
            ("\"", r#""\x22""#),
            ("\\", r#""\x5c""#),
            (r"\'", r#""\x5c\x27""#),
            (
                "$HOME `x` !! ~ *",
                r#""\x24HOME \x60x\x60 \x21\x21 \x7e \x2a""#,
            ),
            ("';touch x;'", r#""\x27\x3btouch x\x3b\x27""#),
            ("a\nb\r\t", r#""a\x0ab\x0d\x09""#),
            ("\u{1}\u{7f}\u{80}\u{ff}", r#""\x01\x7f\u0080\u00ff""#),
            ("é日\u{2018}", r#""\u00e9\u65e5\u2018""#),
            ("🔑\u{10ffff}", r#""\U0001f511\U0010ffff""#),
        ];
        for (value, quoted) in cases {
            assert_eq!(inert_quote(value), quoted, "{value:?}");
            if value.is_empty() {
                continue; // an unset
            }
            assert_eq!(
                rendered(Shell::Elvish, "V", value),
                format!("set-env V {quoted}\n")
            );
            assert_eq!(
                rendered(Shell::Xonsh, "V", value),
                format!("$V = {quoted}\n")
            );
        }
        // Whatever the value: printable ASCII, one pair of quotes, and every backslash starts
        // an escape of x, u or U (so no backslash that a POSIX shell or fish acts on).
        let all: String = (1..=0x10FFFFu32).filter_map(char::from_u32).collect();
        let quoted = inert_quote(&all);
        assert!(quoted.bytes().all(|b| (b' '..=b'~').contains(&b)));
        let inner = &quoted[1..quoted.len() - 1];
        assert!(!inner.contains(['"', '$', '`', '!', '\'', '\n']));
        for (at, _) in inner.match_indices('\\') {
            assert!(matches!(inner.as_bytes()[at + 1], b'x' | b'u' | b'U'));
        }
    }

    #[test]
    fn json_escapes_and_keeps_order() {
        let mut changes = EnvChanges::new();
        changes
            .set("Z", "a\"b\\c\nd\u{1}\u{2018}")
            .unset("A")
            .set("M", "日本 $HOME `id` !!");
        let text = "{\"Z\": \"a\\\"b\\\\c\\nd\\u0001\\u2018\", \"A\": null, \
                    \"M\": \"\\u65e5\\u672c \\u0024HOME \\u0060id\\u0060 \\u0021\\u0021\"}\n";
        for shell in [Shell::Json, Shell::Nu] {
            assert_eq!(render(shell, &changes).ok().as_deref(), Some(text));
        }
        // What a JSON reader sees is the values themselves.
        let parsed: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(parsed["M"], "日本 $HOME `id` !!");
        assert_eq!(parsed["Z"], "a\"b\\c\nd\u{1}\u{2018}");
        assert!(parsed["A"].is_null());
        // No `$`, backquote or `!` in the text, whatever the value.
        let all: String = (1..=0x10FFFFu32).filter_map(char::from_u32).collect();
        let json = json_string(&all);
        assert!(!json.contains(['$', '`', '!']) && json.is_ascii());
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), all);
    }

    #[test]
    fn empty_value_becomes_unset() {
        let changes = one("AWS_PROFILE", "");
        let unset = Change::Unset {
            name: "AWS_PROFILE".into(),
        };
        assert_eq!(changes.iter().collect::<Vec<_>>(), [&unset]);
        assert_eq!(
            render(Shell::Bash, &changes).ok().as_deref(),
            Some("unset -v AWS_PROFILE\n")
        );
    }

    #[test]
    fn a_later_change_replaces_an_earlier_one_in_place() {
        let mut changes = EnvChanges::new();
        changes.set("A", "1").set("B", "2").set("A", "3").unset("B");
        assert_eq!(changes.len(), 2);
        assert_eq!(
            render(Shell::Bash, &changes).ok().as_deref(),
            Some("export A='3'\nunset -v B\n")
        );
    }

    #[test]
    fn invalid_names_are_refused_in_every_shell() {
        let names = [
            "", "1A", "A-B", "A B", "A=B", "$(x)", "A;B", "É", "A\n", "-n",
        ];
        for shell in Shell::ALL {
            for name in names {
                let mut changes = EnvChanges::new();
                changes.set(name, "v");
                let e = refused(shell, &changes);
                assert_eq!(e.what, format!("variable name {name:?}"));
                let mut changes = EnvChanges::new();
                changes.unset(name);
                refused(shell, &changes);
            }
        }
        for name in ["A", "_", "_1", "aws_region", "AWS_SESSION_TOKEN"] {
            assert!(render(Shell::Bash, &one(name, "v")).is_ok(), "{name}");
        }
    }

    #[test]
    fn nul_is_refused_in_every_shell() {
        for shell in Shell::ALL {
            let e = refused(shell, &one("AWS_SESSION_TOKEN", "ab\0cd"));
            assert_eq!(e.what, "variable AWS_SESSION_TOKEN");
            assert!(e.why.contains("NUL"), "{}", e.why);
        }
    }

    #[test]
    fn detect_prefers_ssoenv_shell_then_the_parent_then_the_login_shell() {
        let cases = [
            (Some("fish"), Some("bash"), Some("/bin/zsh"), Shell::Fish),
            (Some("pwsh"), None, None, Shell::Powershell),
            (Some("JSON"), Some("fish"), Some("/bin/zsh"), Shell::Json),
            (
                Some("dash"),
                Some("zsh"),
                Some("/usr/bin/fish"),
                Shell::Bash,
            ),
            (Some(""), None, Some("/bin/zsh"), Shell::Zsh),
            // The parent evaluates; $SHELL is only the login shell.
            (None, Some("bash"), Some("/usr/bin/fish"), Shell::Bash),
            (None, Some("fish"), Some("/bin/bash"), Shell::Fish),
            (None, Some("zsh"), None, Shell::Zsh),
            (None, Some("dash"), Some("/usr/bin/fish"), Shell::Bash),
            (None, Some("sh"), Some("/usr/bin/fish"), Shell::Bash),
            (None, Some("pwsh"), Some("/bin/bash"), Shell::Powershell),
            (None, Some("nu"), Some("/bin/bash"), Shell::Nu),
            (None, Some("elvish"), Some("/bin/bash"), Shell::Elvish),
            (None, Some("xonsh"), Some("/bin/bash"), Shell::Xonsh),
            (Some("NU"), None, None, Shell::Nu),
            (Some("/usr/bin/elvish"), None, None, Shell::Elvish),
            (None, None, Some("/usr/local/bin/xonsh"), Shell::Xonsh),
            (None, None, Some("/home/u/.cargo/bin/nu"), Shell::Nu),
            // A parent that is no shell (a script, `sudo`, a test harness): $SHELL decides.
            (None, Some("python3"), Some("/usr/bin/fish"), Shell::Fish),
            (None, Some("json"), Some("/usr/bin/fish"), Shell::Fish),
            (None, Some(""), Some("/bin/zsh"), Shell::Zsh),
            (None, None, Some("/usr/local/bin/fish"), Shell::Fish),
            (None, None, Some("zsh"), Shell::Zsh),
            (None, None, Some("/bin/sh"), Shell::Bash),
            (None, None, Some("/usr/bin/dash"), Shell::Bash),
            (None, None, Some("/usr/bin/json"), Shell::Bash),
            (None, None, Some(""), Shell::Bash),
            (None, None, None, Shell::Bash),
            (
                None,
                None,
                Some(r"C:\Program Files\PowerShell\7\pwsh.exe"),
                Shell::Powershell,
            ),
            (None, None, Some(r"C:\Windows\System32\CMD.EXE"), Shell::Cmd),
            (None, None, Some("powershell.exe"), Shell::Powershell),
        ];
        for (ssoenv_shell, parent, shell, expected) in cases {
            assert_eq!(
                Shell::detect(ssoenv_shell, || parent.map(String::from), shell).unwrap(),
                expected,
                "{ssoenv_shell:?} {parent:?} {shell:?}"
            );
        }
        // The parent is not even asked when $SSOENV_SHELL decides.
        let asked = std::cell::Cell::new(false);
        let parent = || {
            asked.set(true);
            None
        };
        assert_eq!(
            Shell::detect(Some("zsh"), parent, None).unwrap(),
            Shell::Zsh
        );
        assert!(!asked.get());
        // A name it cannot print for is an error naming the variable, not bash by default.
        for unknown in ["tcsh", "csh", "nonsense"] {
            let err = Shell::detect(Some(unknown), || Some("zsh".into()), None).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().starts_with("SSOENV_SHELL: "), "{err}");
            assert!(err.why.contains("bash, zsh, fish"), "{err}");
        }
    }

    #[test]
    fn names_agree_with_the_command_line() {
        use clap::ValueEnum;
        for shell in Shell::ALL {
            assert_eq!(Shell::from_name(shell.name()), Some(shell));
            assert_eq!(Shell::from_str(shell.name(), false), Ok(shell));
        }
        assert_eq!(Shell::value_variants(), Shell::ALL);
        assert_eq!(Shell::from_str("pwsh", false), Ok(Shell::Powershell));
        assert_eq!(Shell::from_name("pwsh"), Some(Shell::Powershell));
    }
}
