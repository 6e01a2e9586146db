//! Surgical edits of the AWS config file, on its text. `configure` and `populate` add sections,
//! replace one section, or replace a marked block; every other byte of the file (comments, order,
//! blank lines, spacing, the line-ending style, a missing final newline) stays as it was. The file
//! is never re-serialised: a parsed-and-rewritten INI loses exactly what people care about.
//!
//! Lines are classified by the rules `ini` reads them with (configparser's), so that a `[x]` that
//! is really the continuation of a value is not taken for a header. Writes are atomic (a temporary
//! file in the same folder, renamed over the old one) and keep the file's mode; a new file is
//! 0600 in a 0700 folder. A symbolic link (dotfiles) is written through, not replaced.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::atomic_file;
use crate::error::{Error, Result};
use crate::ini::{line_spans, py_isspace, section_header};

/// What a section header names, as botocore reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionName {
    /// `[profile NAME]`; `[default]` is `Profile("default")` too (see [`SectionName::of`]).
    Profile(String),
    SsoSession(String),
    Other(String),
}

impl SectionName {
    /// The header text inside `[...]`, classified as `config` does: a prefix and exactly two
    /// shell-words (`[profile "my name"]` is profile `my name`).
    pub fn of(header: &str) -> SectionName {
        let two_words = || crate::config::section_name(header);
        if header == "default" {
            return SectionName::Profile("default".into());
        }
        if header.starts_with("profile")
            && let Some(name) = two_words()
        {
            return SectionName::Profile(name);
        }
        if header.starts_with("sso-session")
            && let Some(name) = two_words()
        {
            return SectionName::SsoSession(name);
        }
        SectionName::Other(header.to_string())
    }
}

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

/// A profile name as `populate` and `configure` suggest it: every character outside
/// `[A-Za-z0-9._-]` becomes `-`, runs of `-` collapse, and `-` is trimmed from both ends. Case is
/// kept.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('-').to_string()
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
        let text = crate::config::read_text(path)?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            existed: text.is_some(),
            text: text.unwrap_or_default(),
        })
    }

    /// Writes `text` in place of the file, atomically. Refuses text the AWS CLI could not read
    /// (that would be a bug here; better to say so than to break every profile).
    pub fn write(&self, text: &str) -> Result<()> {
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
        atomic_file::write(&self.path, text.as_bytes(), atomic_file::Mode::KeepExisting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<String> {
        ls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classifies_headers_like_botocore() {
        assert_eq!(
            SectionName::of("default"),
            SectionName::Profile("default".into())
        );
        assert_eq!(
            SectionName::of("profile dev"),
            SectionName::Profile("dev".into())
        );
        assert_eq!(
            SectionName::of("profile \"my dev\""),
            SectionName::Profile("my dev".into())
        );
        assert_eq!(
            SectionName::of("sso-session corp"),
            SectionName::SsoSession("corp".into())
        );
        assert_eq!(
            SectionName::of("profile a b"),
            SectionName::Other("profile a b".into())
        );
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
    fn sanitizes_names() {
        assert_eq!(sanitize_name("My Account/Admin"), "My-Account-Admin");
        assert_eq!(sanitize_name("--a  b--"), "a-b");
        assert_eq!(sanitize_name("a--b"), "a-b");
        assert_eq!(sanitize_name("dev.acct_1-Role"), "dev.acct_1-Role");
        assert_eq!(sanitize_name("Ünïcødé"), "n-c-d");
        assert_eq!(sanitize_name("ääà"), "");
        assert_eq!(one_line_value(" a\nb\r "), "a b");
    }

    #[test]
    fn refuses_to_write_unreadable_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::read(&dir.path().join("config")).unwrap();
        assert!(!file.existed);
        assert!(file.write("[a]\n[a]\n").is_err());
        assert!(!dir.path().join("config").exists());
    }
}
