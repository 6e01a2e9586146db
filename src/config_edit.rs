//! Surgical edits of the AWS config file, on its text. `configure` and `populate` add sections,
//! replace one section, or replace a marked block; every other byte of the file (comments, order,
//! blank lines, spacing, the line-ending style, a missing final newline) stays as it was. The file
//! is never re-serialised: a parsed-and-rewritten INI loses exactly what people care about.
//!
//! Lines are classified by the rules `ini` reads them with (configparser's), so that a `[x]` that
//! is really the continuation of a value is not taken for a header. Writes are atomic (a temporary
//! file in the same folder, renamed over the old one) and keep the file's mode; a new file is
//! 0600 in a 0700 folder. A symbolic link (dotfiles) is written through, not replaced.
//!
//! Every change goes through [`edit`]: locked against other ssoenv processes, planned on the text
//! read, and written only if nobody changed the file meanwhile, so no edit is ever lost silently.

use std::cell::Cell;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::atomic_file;
use crate::config::SectionName;
use crate::error::{Error, Result};
use crate::ini::{line_spans, py_isspace, section_header};
use crate::lock::{self, FileLock, Locked, Stamp};

/// The header line to write for a profile: `[default]` for the default profile, as the AWS CLI
/// writes it, else `[profile NAME]`.
pub fn profile_header(name: &str) -> String {
    if name == "default" {
        "[default]".into()
    } else {
        format!("[profile {name}]")
    }
}

/// An IAM Identity Center profile as `configure` and `populate` write it, keys in one order.
#[derive(Debug, Clone, Copy)]
pub struct SsoProfileText<'a> {
    pub name: &'a str,
    pub session: &'a str,
    pub account_id: &'a str,
    pub role_name: &'a str,
    pub region: Option<&'a str>,
    pub output: Option<&'a str>,
    pub account_name: Option<&'a str>,
}

impl SsoProfileText<'_> {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            profile_header(self.name),
            format!("sso_session = {}", self.session),
            format!("sso_account_id = {}", self.account_id),
            format!("sso_role_name = {}", self.role_name),
        ];
        let optional = [
            ("region", self.region),
            ("output", self.output),
            (crate::config::ACCOUNT_NAME_KEY, self.account_name),
        ];
        for (key, value) in optional {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                lines.push(format!("{key} = {value}"));
            }
        }
        lines
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Header,
    Key,
    Continuation,
    /// Not `key = value`: the file is unreadable anyway; treated as content.
    Other,
}

/// One line: where its text starts and ends (line break excluded), and where the next begins.
#[derive(Debug, Clone)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
    kind: Kind,
}

/// Splits as `ini` does (`\n`, `\r\n`, a lone `\r`) and classifies each line by configparser's
/// rules: an indented line under a key continues its value, even when it looks like a header.
fn scan(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut in_option = false;
    let mut indent_level = 0;
    for (start, end, next) in line_spans(text) {
        let raw = &text[start..end];
        let raw = if start == 0 {
            raw.strip_prefix('\u{feff}').unwrap_or(raw)
        } else {
            raw
        };
        let stripped = raw.trim_matches(py_isspace);
        let indent = raw.chars().take_while(|c| py_isspace(*c)).count();
        let kind = if stripped.is_empty() {
            Kind::Blank
        } else if stripped.starts_with('#') || stripped.starts_with(';') {
            Kind::Comment
        } else if in_option && indent > indent_level {
            Kind::Continuation
        } else {
            indent_level = indent;
            if section_header(stripped).is_some() {
                in_option = false;
                Kind::Header
            } else if stripped.contains(['=', ':']) {
                in_option = true;
                Kind::Key
            } else {
                in_option = false;
                Kind::Other
            }
        };
        lines.push(Line {
            start,
            end,
            next,
            kind,
        });
    }
    lines
}

fn header_of<'t>(text: &'t str, line: &Line) -> Option<&'t str> {
    (line.kind == Kind::Header)
        .then(|| section_header(text[line.start..line.end].trim_matches(py_isspace)))
        .flatten()
}

/// The line break the file uses (that of its first line): `\r\n`, `\n`, or `\r`; `\n` when it has
/// none.
pub fn line_ending(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text[i..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

fn ends_with_break(text: &str) -> bool {
    text.ends_with(['\n', '\r'])
}

/// The sections of `text`: what each header names and the byte range from its header line to the
/// end of its last key (line break included). Blank lines and comments after the last key belong
/// to nobody: they usually introduce the next section.
pub fn sections(text: &str) -> Vec<(SectionName, Range<usize>)> {
    let lines = scan(text);
    let mut out: Vec<(SectionName, Range<usize>)> = Vec::new();
    for line in &lines {
        if let Some(header) = header_of(text, line) {
            out.push((SectionName::of(header), line.start..line.next));
        } else if matches!(line.kind, Kind::Key | Kind::Continuation | Kind::Other)
            && let Some(last) = out.last_mut()
        {
            last.1.end = line.next;
        }
    }
    out
}

/// The range of the section `name` (the last one, when botocore would see several).
pub fn find_section(text: &str, name: &SectionName) -> Option<Range<usize>> {
    sections(text)
        .into_iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, r)| r)
}

/// `lines` joined with the file's line break.
fn join(lines: &[String], eol: &str) -> String {
    lines.join(eol)
}

/// `text` with `lines` added at its end after one blank line. The file keeps its line breaks and,
/// when it had none, its missing final newline.
pub fn append(text: &str, lines: &[String]) -> String {
    let eol = line_ending(text);
    if scan(text).iter().all(|l| l.kind == Kind::Blank) {
        // An empty (or blank) file: the new lines are all there is to read.
        let mut out = text.to_string();
        if !text.is_empty() && !ends_with_break(text) {
            out.push_str(eol);
        }
        out.push_str(&join(lines, eol));
        out.push_str(eol);
        return out;
    }
    let had_final = ends_with_break(text);
    let mut out = text.to_string();
    if !had_final {
        out.push_str(eol);
    }
    let last_is_blank = scan(&out).last().is_some_and(|l| l.kind == Kind::Blank);
    if !last_is_blank {
        out.push_str(eol);
    }
    out.push_str(&join(lines, eol));
    if had_final {
        out.push_str(eol);
    }
    out
}

/// `text` with `range` (from [`find_section`] or [`find_block`]) replaced by `lines`. The
/// replacement ends with a line break when what it replaces did.
pub fn replace(text: &str, range: Range<usize>, lines: &[String]) -> String {
    let eol = line_ending(text);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..range.start]);
    out.push_str(&join(lines, eol));
    if ends_with_break(&text[range.clone()]) {
        out.push_str(eol);
    }
    out.push_str(&text[range.end..]);
    out
}

/// A marked block: from its first line to its last (line break included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub range: Range<usize>,
    /// Between the marker lines.
    pub inner: Range<usize>,
}

/// The block that starts at a comment line beginning with `begin` and ends at the next comment
/// line equal to `end` (surrounding white space ignored). An unfinished or repeated block is an
/// error: editing around it could destroy what a person wrote.
pub fn find_block(text: &str, begin: &str, end: &str) -> Result<Option<Block>, String> {
    let lines = scan(text);
    let trimmed = |l: &Line| text[l.start..l.end].trim_matches(py_isspace);
    let is_begin = |l: &Line| {
        l.kind == Kind::Comment && {
            let t = trimmed(l);
            t == begin || t.strip_prefix(begin).is_some_and(|r| r.starts_with(' '))
        }
    };
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| is_begin(&lines[i])).collect();
    let Some(&first) = starts.first() else {
        return Ok(None);
    };
    if starts.len() > 1 {
        return Err(format!(
            "the line `{begin}` appears {} times; remove the extra blocks",
            starts.len()
        ));
    }
    let Some(last) = (first + 1..lines.len())
        .find(|&i| lines[i].kind == Kind::Comment && trimmed(&lines[i]) == end)
    else {
        return Err(format!("`{begin}` has no `{end}` line after it"));
    };
    Ok(Some(Block {
        range: lines[first].start..lines[last].next,
        inner: lines[first].next..lines[last].start,
    }))
}

/// A value as it can sit on one `key = value` line and read back the same: control characters
/// (line breaks above all) become spaces, and surrounding white space goes (configparser strips it).
pub fn one_line_value(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim_matches(py_isspace).to_string()
}

/// The config file as found: its text (empty when it does not exist) and where and how to write it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// The path given (`$AWS_CONFIG_FILE` or `~/.aws/config`), for messages.
    pub path: PathBuf,
    pub text: String,
    pub existed: bool,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<ConfigFile> {
        Ok(ConfigFile::from_read(path, crate::config::read_text(path)?))
    }

    fn from_read(path: &Path, text: Option<String>) -> ConfigFile {
        ConfigFile {
            path: path.to_path_buf(),
            existed: text.is_some(),
            text: text.unwrap_or_default(),
        }
    }

    /// Whether `now` (a fresh read) is what this was read from.
    fn same_as(&self, now: &Option<String>) -> bool {
        match now {
            Some(text) => self.existed && *text == self.text,
            None => !self.existed,
        }
    }

    /// Writes `text` in place of the file, atomically, once `still_valid` agrees just before the
    /// rename. Refuses text the AWS CLI could not read (that would be a bug here; better to say
    /// so than to break every profile).
    fn write(&self, text: &str, still_valid: impl FnOnce() -> Result<()>) -> Result<()> {
        if let Err(err) = crate::ini::parse(text) {
            return Err(Error::new(
                self.path.display().to_string(),
                format!(
                    "the edited file would not read back (line {}: {}); nothing was written",
                    err.line, err.message
                ),
            )
            .with_hint("this is a bug in ssoenv; please report it"));
        }
        atomic_file::write_checked(
            &self.path,
            text.as_bytes(),
            atomic_file::Mode::KeepExisting,
            still_valid,
        )
    }
}

/// What a planner decided, given the file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan<T> {
    /// Replace the file with this text; `T` says what the edit did, for the caller's message.
    Write(String, T),
    /// Leave the file alone (nothing changed, or a dry run).
    Keep(T),
}

impl<T> Plan<T> {
    pub fn value(&self) -> &T {
        match self {
            Plan::Write(_, value) | Plan::Keep(value) => value,
        }
    }

    pub fn wrote(&self) -> bool {
        matches!(self, Plan::Write(..))
    }
}

/// How many times an edit is planned again because another program changed the file under it.
const ATTEMPTS: usize = 3;
/// How long an edit waits for another ssoenv editing the same file. The lock is held for
/// milliseconds (network work comes before it), so a holder this slow is a stopped process.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The one way ssoenv changes the config file. `plan` must be a pure function of the file it is
/// given: it may run several times. Under an exclusive lock shared by every ssoenv process, the
/// file is read, planned, and replaced only if its bytes are still those read, checked just before
/// the rename; when another program changed it, the edit is planned again against the new text,
/// and after [`ATTEMPTS`] such changes it fails, writing nothing. Returns the plan carried out.
///
/// A plan that writes nothing takes no lock (a dry run, or a read-only dotfiles config that is up
/// to date, stays possible).
pub fn edit<T>(
    path: &Path,
    mut plan: impl FnMut(&ConfigFile) -> Result<Plan<T>>,
) -> Result<Plan<T>> {
    let planned = plan(&ConfigFile::read(path)?)?;
    if let Plan::Keep(_) = planned {
        return Ok(planned);
    }
    let _lock = EditLock::acquire(path, LOCK_WAIT)?;
    edit_locked(path, &mut crate::config::read_text, &mut plan)
}

/// The loop of [`edit`], with the reader passed in so that a test can change the file between the
/// read and the write, as another program would.
fn edit_locked<T>(
    path: &Path,
    read: &mut dyn FnMut(&Path) -> Result<Option<String>>,
    plan: &mut dyn FnMut(&ConfigFile) -> Result<Plan<T>>,
) -> Result<Plan<T>> {
    for _ in 0..ATTEMPTS {
        let file = ConfigFile::from_read(path, read(path)?);
        let planned = plan(&file)?;
        let Plan::Write(text, _) = &planned else {
            return Ok(planned);
        };
        let changed = Cell::new(false);
        let written = file.write(text, || {
            if file.same_as(&read(path)?) {
                Ok(())
            } else {
                // Only a signal to the loop below, which plans again; never shown.
                changed.set(true);
                Err(Error::new(path.display().to_string(), "changed"))
            }
        });
        match written {
            Ok(()) => return Ok(planned),
            Err(_) if changed.get() => continue,
            Err(err) => return Err(err),
        }
    }
    Err(Error::new(
        path.display().to_string(),
        format!(
            "another program changed the file {ATTEMPTS} times while ssoenv was editing it; \
             nothing was written"
        ),
    )
    .with_hint("run the command again once the other program is done with the file"))
}

/// The edit lock (see `lock`) on a file beside the config file, `.NAME.ssoenv.lock`, holding the
/// holder's process id for the message of a waiter that gives up. Beside the file a symbolic link
/// names, when it is one, so that every path to the same file shares one lock.
struct EditLock {
    _lock: FileLock,
}

impl EditLock {
    fn acquire(config: &Path, wait: Duration) -> Result<EditLock> {
        let path = lock_path(config);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            atomic_file::create_private_dir(dir)?;
        }
        let busy = match lock::try_lock(&path, Stamp::Pid)? {
            Locked::Acquired(lock) => return Ok(EditLock { _lock: lock }),
            Locked::Busy(busy) => busy,
        };
        match busy.wait(wait)? {
            Locked::Acquired(lock) => Ok(EditLock { _lock: lock }),
            Locked::Busy(busy) => {
                let holder = match busy.holder().pid {
                    Some(pid) => format!("another ssoenv (process {pid})"),
                    None => "another ssoenv".to_string(),
                };
                Err(Error::new(
                    config.display().to_string(),
                    format!(
                        "{holder} has been editing it for over {} s (lock {})",
                        wait.as_secs(),
                        path.display()
                    ),
                )
                .with_hint(
                    "if that process is stopped (Ctrl-Z), resume it with `fg` or end it; \
                     then run this again",
                ))
            }
        }
    }
}

fn lock_path(config: &Path) -> PathBuf {
    let target = match fs::symlink_metadata(config) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf())
        }
        _ => config.to_path_buf(),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    target.with_file_name(format!(".{name}.ssoenv.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<String> {
        ls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn writes_profile_headers_as_the_aws_cli_does() {
        assert_eq!(profile_header("default"), "[default]");
        assert_eq!(profile_header("x"), "[profile x]");
    }

    #[test]
    fn sections_end_at_their_last_key() {
        let text = "# top\n[profile a]\nk = v\n\n  \n# about b\n[profile b]\ns3 =\n  x = 1\n  [not a header]\n\n";
        let found = sections(text);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].1.clone()], "[profile a]\nk = v\n");
        assert_eq!(
            &text[found[1].1.clone()],
            "[profile b]\ns3 =\n  x = 1\n  [not a header]\n"
        );
        assert_eq!(
            find_section(text, &SectionName::Profile("b".into())),
            Some(found[1].1.clone())
        );
        assert_eq!(find_section(text, &SectionName::Profile("c".into())), None);
    }

    #[test]
    fn appends_after_one_blank_line_in_the_file_style() {
        let new = lines(&["[profile x]", "k = v"]);
        assert_eq!(append("", &new), "[profile x]\nk = v\n");
        assert_eq!(
            append("[a]\nk = 1\n", &new),
            "[a]\nk = 1\n\n[profile x]\nk = v\n"
        );
        assert_eq!(
            append("[a]\nk = 1\n\n", &new),
            "[a]\nk = 1\n\n[profile x]\nk = v\n"
        );
        assert_eq!(
            append("[a]\r\nk = 1\r\n", &new),
            "[a]\r\nk = 1\r\n\r\n[profile x]\r\nk = v\r\n"
        );
        // A missing final newline stays missing.
        assert_eq!(
            append("[a]\nk = 1", &new),
            "[a]\nk = 1\n\n[profile x]\nk = v"
        );
        assert_eq!(
            append("# only a comment", &new),
            "# only a comment\n\n[profile x]\nk = v"
        );
    }

    #[test]
    fn replaces_a_section_in_place() {
        let text = "[a]\nk = 1\n\n[profile x]\nold = 1\n# keep\n[b]\n";
        let range = find_section(text, &SectionName::Profile("x".into())).unwrap();
        assert_eq!(
            replace(text, range, &lines(&["[profile x]", "new = 2"])),
            "[a]\nk = 1\n\n[profile x]\nnew = 2\n# keep\n[b]\n"
        );
        let text = "[profile x]\r\nold = 1";
        let range = find_section(text, &SectionName::Profile("x".into())).unwrap();
        assert_eq!(
            replace(text, range, &lines(&["[profile x]", "new = 2"])),
            "[profile x]\r\nnew = 2"
        );
    }

    #[test]
    fn finds_marked_blocks_and_refuses_broken_ones() {
        let text = "[a]\n# BEGIN x (note)\n[profile p]\n# END x\n[b]\n";
        let block = find_block(text, "# BEGIN x", "# END x").unwrap().unwrap();
        assert_eq!(
            &text[block.range.clone()],
            "# BEGIN x (note)\n[profile p]\n# END x\n"
        );
        assert_eq!(&text[block.inner.clone()], "[profile p]\n");
        assert_eq!(find_block(text, "# BEGIN y", "# END y").unwrap(), None);
        // `# BEGIN xy` is another block's marker.
        assert_eq!(
            find_block("# BEGIN xy\n# END xy\n", "# BEGIN x", "# END x").unwrap(),
            None
        );
        assert!(find_block("# BEGIN x\n[a]\n", "# BEGIN x", "# END x").is_err());
        assert!(
            find_block(
                "# BEGIN x\n# END x\n# BEGIN x\n# END x\n",
                "# BEGIN x",
                "# END x"
            )
            .is_err()
        );
    }

    #[test]
    fn values_fit_on_one_line() {
        assert_eq!(one_line_value(" a\nb\r "), "a b");
    }

    #[test]
    fn refuses_to_write_unreadable_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::read(&dir.path().join("config")).unwrap();
        assert!(!file.existed);
        assert!(file.write("[a]\n[a]\n", || Ok(())).is_err());
        assert!(!dir.path().join("config").exists());
    }

    /// A reader that, at its reads numbered in `change_at` (1-based), first rewrites the file as
    /// another program would.
    fn changing_reader(change_at: &'static [usize]) -> impl FnMut(&Path) -> Result<Option<String>> {
        let mut calls = 0;
        move |path: &Path| {
            calls += 1;
            if change_at.contains(&calls) {
                fs::write(path, format!("[other]\nchange = {calls}\n")).unwrap();
            }
            crate::config::read_text(path)
        }
    }

    fn add_mine(file: &ConfigFile) -> Result<Plan<String>> {
        Ok(Plan::Write(
            append(&file.text, &lines(&["[profile mine]", "k = v"])),
            file.text.clone(),
        ))
    }

    #[test]
    fn an_edit_is_planned_again_when_the_file_changes_before_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "[a]\n").unwrap();
        // Read 1 plans; read 2 is the check before the rename, after another program wrote.
        let mut read = changing_reader(&[2]);
        let mut seen = Vec::new();
        let done = edit_locked(&path, &mut read, &mut |file| {
            seen.push(file.text.clone());
            add_mine(file)
        })
        .unwrap();
        assert_eq!(seen, ["[a]\n", "[other]\nchange = 2\n"]);
        assert!(done.wrote());
        assert_eq!(done.value(), "[other]\nchange = 2\n");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "[other]\nchange = 2\n\n[profile mine]\nk = v\n"
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a file was left"
        );
    }

    #[test]
    fn an_edit_gives_up_on_a_file_that_keeps_changing_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "[a]\n").unwrap();
        let mut read = changing_reader(&[2, 4, 6]);
        let err = edit_locked(&path, &mut read, &mut add_mine).unwrap_err();
        assert_eq!(err.what, path.display().to_string());
        assert!(
            err.why.contains("another program changed the file 3 times")
                && err.why.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "[other]\nchange = 6\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a file was left"
        );
    }

    #[test]
    fn an_edit_notices_a_file_created_or_removed_under_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        // Absent when read, present at the check: planned again on what is there.
        let mut created = {
            let mut calls = 0;
            move |p: &Path| {
                calls += 1;
                if calls == 2 {
                    fs::write(p, "[new]\n").unwrap();
                }
                crate::config::read_text(p)
            }
        };
        edit_locked(&path, &mut created, &mut add_mine).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "[new]\n\n[profile mine]\nk = v\n"
        );
        // Present when read, removed at the check: planned again on an empty file.
        let mut removed = {
            let mut calls = 0;
            move |p: &Path| {
                calls += 1;
                if calls == 2 {
                    fs::remove_file(p).unwrap();
                }
                crate::config::read_text(p)
            }
        };
        fs::write(&path, "[old]\n").unwrap();
        let done = edit_locked(&path, &mut removed, &mut add_mine).unwrap();
        assert_eq!(done.value(), "");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "[profile mine]\nk = v\n"
        );
    }

    #[test]
    fn a_held_lock_bounds_the_wait_and_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let held = EditLock::acquire(&path, Duration::ZERO).unwrap();
        let lock = dir.path().join(".config.ssoenv.lock");
        assert_eq!(
            fs::read_to_string(&lock).unwrap(),
            format!("{}\n", std::process::id())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&lock).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = match EditLock::acquire(&path, Duration::from_millis(200)) {
            Err(err) => err,
            Ok(_) => panic!("locked twice"),
        };
        assert_eq!(err.what, path.display().to_string());
        assert!(
            err.why.contains(&format!(
                "another ssoenv (process {}) has been editing it",
                std::process::id()
            )),
            "{err}"
        );
        assert!(err.hint.unwrap().contains("fg"));
        drop(held);
        EditLock::acquire(&path, Duration::ZERO).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_follows_a_linked_config_but_no_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles/aws-config");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "[a]\n").unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        drop(EditLock::acquire(&link, Duration::ZERO).unwrap());
        assert!(dir.path().join("dotfiles/.aws-config.ssoenv.lock").exists());
        assert!(!dir.path().join(".config.ssoenv.lock").exists());

        // A link planted where the lock goes is refused, and what it names is left alone.
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let plain = dir.path().join("plain");
        std::os::unix::fs::symlink(&victim, dir.path().join(".plain.ssoenv.lock")).unwrap();
        assert!(EditLock::acquire(&plain, Duration::ZERO).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn an_edit_that_writes_nothing_takes_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "[a]\n").unwrap();
        let kept = edit(&path, |file| Ok(Plan::Keep(file.text.len()))).unwrap();
        assert_eq!(kept, Plan::Keep(4));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let wrote = edit(&path, add_mine).unwrap();
        assert!(wrote.wrote());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "[a]\n\n[profile mine]\nk = v\n"
        );
    }
}
