//! The AWS config and credentials files, read by the rules of Python's `configparser`
//! (`RawConfigParser` with its defaults, which is what botocore uses) plus botocore's own reading
//! of indented sub-blocks.
//!
//! Written by hand because no INI crate keeps those rules, and they decide what a profile holds:
//! a continuation line is one indented deeper than its key; `=` and `:` both delimit, the first one
//! wins; only whole-line `#`/`;` comments exist (`region = x # y` keeps ` # y`); duplicate sections
//! or keys make the whole file unreadable; `[DEFAULT]` feeds every section; keys are lower-cased,
//! section names are not. rust-ini and configparser-rs each differ on several of these.
//! One deliberate difference: a UTF-8 byte order mark is skipped (botocore refuses the file).

use rustc_hash::FxHashMap;

/// A value: plain text, or an indented block of `key = value` lines under an empty key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Nested(Vec<(String, String)>),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Nested(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// 1-based line of the section header, for error messages.
    pub line: usize,
    /// Keys (lower-cased) in file order; `[DEFAULT]` keys the section lacks come last.
    pub entries: Vec<(String, Value)>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Why a file cannot be read. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Sections in file order (`[DEFAULT]` excluded; its keys are merged into every section).
pub fn parse(text: &str) -> Result<Vec<Section>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection> = Vec::new();
    let mut defaults = RawSection::default();
    let mut seen_sections: FxHashMap<&str, usize> = FxHashMap::default();
    // Where option lines go: None before any header, Some(None) for [DEFAULT].
    let mut current: Option<Option<usize>> = None;
    let mut option: Option<usize> = None;
    let mut indent_level = 0usize;
    let mut first_bad_line: Option<ParseError> = None;

    for (index, line) in py_lines(text).enumerate() {
        let lineno = index + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || is_comment {
            // A blank line may sit inside a multi-line value; a comment line never ends one.
            if !is_comment && let (Some(target), Some(opt)) = (current, option) {
                section_mut(&mut sections, &mut defaults, target).lines[opt]
                    .1
                    .more
                    .push((lineno, ""));
            }
            continue;
        }
        let indent = line.chars().take_while(|c| py_isspace(*c)).count();
        if let (Some(target), Some(opt)) = (current, option)
            && indent > indent_level
        {
            section_mut(&mut sections, &mut defaults, target).lines[opt]
                .1
                .more
                .push((lineno, stripped));
            continue;
        }
        indent_level = indent;
        if let Some(name) = section_header(stripped) {
            option = None;
            if name == "DEFAULT" {
                current = Some(None);
                continue;
            }
            if let Some(first) = seen_sections.get(name) {
                return Err(ParseError {
                    line: lineno,
                    message: format!("section [{name}] appears twice (first at line {first})"),
                });
            }
            seen_sections.insert(name, lineno);
            sections.push(RawSection {
                name,
                line: lineno,
                lines: Vec::new(),
            });
            current = Some(Some(sections.len() - 1));
            continue;
        }
        let Some(target) = current else {
            return Err(ParseError {
                line: lineno,
                message: "a key comes before any [section] header".into(),
            });
        };
        let Some((key, value)) = split_option(stripped) else {
            first_bad_line.get_or_insert(ParseError {
                line: lineno,
                message: format!(
                    "{}: {NOT_KEY_VALUE}",
                    in_section(sections.as_slice(), target)
                ),
            });
            option = None;
            continue;
        };
        if key.is_empty() {
            first_bad_line.get_or_insert(ParseError {
                line: lineno,
                message: "a line has a value but no key".into(),
            });
        }
        // Lower-casing allocates and maps char by char; most keys are lower-case ASCII already.
        let key = if key.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            key.to_lowercase()
        } else {
            key.to_string()
        };
        let section = section_mut(&mut sections, &mut defaults, target);
        if section.lines.iter().any(|(k, _)| *k == key) {
            return Err(ParseError {
                line: lineno,
                message: format!(
                    "key `{key}` appears twice {}",
                    in_section(sections.as_slice(), target)
                ),
            });
        }
        section.lines.push((
            key,
            Parts {
                first: (lineno, value),
                more: Vec::new(),
            },
        ));
        option = Some(section.lines.len() - 1);
    }
    if let Some(err) = first_bad_line {
        return Err(err);
    }

    // botocore reads blocks per section, `[DEFAULT]`'s included: a broken block there breaks
    // only the sections that inherit it (none, when every section has the key, or there is none).
    let defaults = values(defaults.name, defaults.lines);
    sections
        .into_iter()
        .map(|raw| {
            let (name, line) = (raw.name.to_string(), raw.line);
            let mut entries = values(raw.name, raw.lines)
                .into_iter()
                .map(|(key, value)| Ok((key, value?)))
                .collect::<Result<Vec<_>, ParseError>>()?;
            for (key, value) in &defaults {
                if !entries.iter().any(|(k, _)| k == key) {
                    entries.push((key.clone(), value.clone()?));
                }
            }
            Ok(Section {
                name,
                line,
                entries,
            })
        })
        .collect()
}

/// A section as read, borrowing from the text: values are copied once, when joined in `finish`.
#[derive(Debug, Default)]
struct RawSection<'t> {
    name: &'t str,
    line: usize,
    /// Each key with its value's lines, each with its 1-based line number.
    lines: Vec<(String, Parts<'t>)>,
}

/// A value's lines. Most values have one, which needs no allocation of its own: on a config of
/// 10,000 profiles that was 40,000 allocations.
#[derive(Debug)]
struct Parts<'t> {
    first: (usize, &'t str),
    more: Vec<(usize, &'t str)>,
}

impl<'t> Parts<'t> {
    fn iter(&self) -> impl Iterator<Item = &(usize, &'t str)> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

fn section_mut<'a, 't>(
    sections: &'a mut [RawSection<'t>],
    defaults: &'a mut RawSection<'t>,
    target: Option<usize>,
) -> &'a mut RawSection<'t> {
    match target {
        Some(i) => &mut sections[i],
        None => defaults,
    }
}

/// Each key's value, or why its block cannot be read.
type Values = Vec<(String, Result<Value, ParseError>)>;

/// Joins continuation lines as configparser does, then reads botocore's nested blocks: a value
/// whose first line is empty is a block of `key = value` lines.
fn values(name: &str, lines: Vec<(String, Parts)>) -> Values {
    let mut entries = Vec::with_capacity(lines.len());
    'keys: for (key, parts) in lines {
        let mut joined = parts.first.1.to_string();
        for (_, text) in &parts.more {
            joined.push('\n');
            joined.push_str(text);
        }
        joined.truncate(joined.trim_end_matches(py_isspace).len());
        let value = if joined.starts_with('\n') {
            // Read line by line (the same lines as splitting `joined`), to name the bad one.
            let mut nested = Vec::new();
            for (lineno, part) in parts.iter() {
                for line in py_splitlines(part) {
                    let line = py_strip(line);
                    if line.is_empty() {
                        continue;
                    }
                    let Some((k, v)) = line.split_once('=') else {
                        let section = if name.is_empty() {
                            "[DEFAULT]".to_string()
                        } else {
                            format!("[{name}]")
                        };
                        let message = format!(
                            "in {section}, the block under key `{key}` has a line without `=` \
                             (the line is not shown: it may hold a secret)"
                        );
                        entries.push((
                            key,
                            Err(ParseError {
                                line: *lineno,
                                message,
                            }),
                        ));
                        continue 'keys;
                    };
                    nested.push((py_strip(k).to_string(), py_strip(v).to_string()));
                }
            }
            Value::Nested(nested)
        } else {
            Value::Text(joined)
        };
        entries.push((key, Ok(value)));
    }
    entries
}

/// Parse errors never quote a line or a value, only file, line, section and key: the
/// credentials file holds secret keys, and a config file may too (`aws_secret_access_key`,
/// `aws_session_token`), and an error message ends up in terminals and CI logs.
const NOT_KEY_VALUE: &str =
    "not a `key = value` line (the line is not shown: it may hold a secret)";

/// `[name]` of the section a line falls in, for messages.
fn in_section(sections: &[RawSection], target: Option<usize>) -> String {
    match target.and_then(|i| sections.get(i)) {
        Some(section) => format!("in [{}]", section.name),
        None => "in [DEFAULT]".to_string(),
    }
}

/// `\[(.+)\]` anchored at the start: the header runs to the last `]` on the line.
pub(crate) fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// `(.*?)\s*(=|:)\s*(.*)$`: the first `=` or `:` splits key from value.
fn split_option(stripped: &str) -> Option<(&str, &str)> {
    let at = stripped.find(['=', ':'])?;
    let key = stripped[..at].trim_end_matches(py_isspace);
    let value = py_strip(&stripped[at + 1..]);
    Some((key, value))
}

/// Python's `str.isspace`: Unicode white space plus the ASCII separators U+001C..U+001F.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Lines as Python's text mode reads them: `\n`, `\r\n` and a lone `\r` all end a line.
fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    line_spans(text).map(|(start, end, _)| &text[start..end])
}

/// The same lines as byte offsets: where each starts, where its text ends (line break
/// excluded), and where the next begins. `config_edit` edits the file by these.
pub(crate) fn line_spans(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = text.get(pos..).filter(|r| !r.is_empty())?;
        // Bytes, not chars: a char-set search costs a third of reading a large config.
        let len = rest
            .bytes()
            .position(|b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let skip = if rest[len..].starts_with("\r\n") {
            2
        } else {
            usize::from(len < rest.len())
        };
        let span = (pos, pos + len, pos + len + skip);
        pos = span.2;
        Some(span)
    })
}

/// Python's `str.splitlines` boundaries, which botocore uses on nested blocks.
fn py_splitlines(text: &str) -> impl Iterator<Item = &str> {
    text.split([
        '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sections: &[Section], section: &str, key: &str) -> Option<String> {
        sections
            .iter()
            .find(|s| s.name == section)?
            .get(key)?
            .as_text()
            .map(str::to_string)
    }

    #[test]
    fn delimiters_comments_and_case() {
        let s = parse("[a]\nRegion: eu\nx = y # not a comment\n; c\n# c\nurl = http://h:1/p=q\n")
            .unwrap();
        assert_eq!(text(&s, "a", "region").as_deref(), Some("eu"));
        assert_eq!(text(&s, "a", "x").as_deref(), Some("y # not a comment"));
        assert_eq!(text(&s, "a", "url").as_deref(), Some("http://h:1/p=q"));
    }

    #[test]
    fn nested_blocks_and_continuations() {
        let s = parse("[p]\ns3 =\n    Max = 20\n\n    b=c\nk = one\n  two\nz = 1\n").unwrap();
        assert_eq!(
            s[0].get("s3"),
            Some(&Value::Nested(vec![
                ("Max".into(), "20".into()),
                ("b".into(), "c".into())
            ]))
        );
        assert_eq!(text(&s, "p", "k").as_deref(), Some("one\ntwo"));
        assert_eq!(text(&s, "p", "z").as_deref(), Some("1"));
    }

    #[test]
    fn a_broken_block_in_default_breaks_only_the_sections_that_inherit_it() {
        // Found by the botocore fuzz test: botocore reads blocks per section.
        let broken = "[DEFAULT]\r\ns3 =\n  k = v\r  novalue\r\n";
        assert_eq!(parse(broken).unwrap(), vec![]);
        let overridden = format!("{broken}[a]\ns3 = own\n");
        assert_eq!(
            text(&parse(&overridden).unwrap(), "a", "s3").as_deref(),
            Some("own")
        );
        let err = parse(&format!("{broken}[b]\nregion = r\n")).unwrap_err();
        assert!(
            err.message
                .contains("in [DEFAULT], the block under key `s3`"),
            "{err:?}"
        );
    }

    #[test]
    fn nested_line_without_equals_is_an_error() {
        assert!(parse("[p]\ns3 =\n  oops\n").is_err());
    }

    #[test]
    fn line_endings_and_bom() {
        let s = parse("\u{feff}[a]\r\nk = v\r\n[b]\rk = w\r").unwrap();
        assert_eq!(text(&s, "a", "k").as_deref(), Some("v"));
        assert_eq!(text(&s, "b", "k").as_deref(), Some("w"));
    }

    #[test]
    fn duplicates_and_strays_are_errors() {
        assert_eq!(parse("[a]\n[a]\n").unwrap_err().line, 2);
        assert_eq!(parse("[a]\nk=1\nK=2\n").unwrap_err().line, 3);
        assert_eq!(parse("k = v\n").unwrap_err().line, 1);
        assert_eq!(parse("[a]\njunk\nk=v\n").unwrap_err().line, 2);
        assert!(parse("[a]\n= v\n").is_err());
    }

    #[test]
    fn errors_name_the_line_and_key_never_the_text() {
        const S: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        for (text, line, key) in [
            (format!("[p]\nk = 1\n{S}\n"), 3, None),
            (format!("[p]\nk = 1\n  {S}\n"), 0, None),
            (format!("[p]\ns = \n  a = 1\n\n  {S}\n"), 5, Some("`s`")),
            (format!("[p]\nx={S}\nx = {S}\n"), 3, Some("`x`")),
            (format!("{S}\n[p]\n"), 1, None),
            (format!("k = {S}\n"), 1, None),
        ] {
            let Err(err) = parse(&text) else {
                assert_eq!(line, 0, "{text:?} parsed");
                continue;
            };
            assert_eq!(err.line, line, "{text:?}: {err:?}");
            assert!(!err.message.contains("wJalr"), "{err:?}");
            assert!(!err.message.contains("EXAMPLE"), "{err:?}");
            if let Some(key) = key {
                assert!(err.message.contains(key), "{err:?}");
            }
        }
    }

    #[test]
    fn default_section_feeds_every_section() {
        let s = parse("[DEFAULT]\nregion = r\n[a]\n[b]\nregion = own\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(text(&s, "a", "region").as_deref(), Some("r"));
        assert_eq!(text(&s, "b", "region").as_deref(), Some("own"));
    }

    #[test]
    fn headers_run_to_the_last_bracket() {
        let s = parse("[profile  spaced   ]\n[a] ]x]\n").unwrap();
        assert_eq!(s[0].name, "profile  spaced   ");
        assert_eq!(s[1].name, "a] ]x");
        assert!(parse("[]\n").is_err());
    }
}
