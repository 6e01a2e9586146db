//! Property tests over everything that reads outside input, each against a reference: the
//! config reader against botocore, timestamps against the spellings writers use, cache files
//! against what writing them back gives, shell output against a reader of each shell's quoting.
//! Pure functions (botocore aside, asked once for many files), so thousands of cases run in
//! seconds. A panic fails them too.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::{Map, Value as Json, json};
use ssoenv::cache::{Read, RegistrationFile, RoleFile, TokenFile};
use ssoenv::config::{Config, Paths};
use ssoenv::ini::{self, Section, Value};
use ssoenv::shell::{Change, EnvChanges, Shell, render};

/// Text shaped like an AWS config: headers, keys, delimiters, indents, comments, odd bytes.
fn ini_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[profile a]".to_string()),
        Just("[sso-session s]".to_string()),
        Just("[services x]".to_string()),
        Just("[default]".to_string()),
        Just("[DEFAULT]".to_string()),
        Just("[profile \"q".to_string()),
        Just("sso_session = s".to_string()),
        Just("sso_account_id = 1".to_string()),
        Just("sso_role_name: R".to_string()),
        Just("sso_start_url = https://x".to_string()),
        Just("sso_region = us-east-1".to_string()),
        Just("s3 =".to_string()),
        Just("  k = v".to_string()),
        Just("  novalue".to_string()),
        Just("# comment".to_string()),
        Just("; comment".to_string()),
        Just("".to_string()),
        Just("\u{feff}".to_string()),
        "[ -~]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..30)
        .prop_flat_map(|lines| {
            let n = lines.len();
            (
                Just(lines),
                prop::collection::vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], n),
            )
        })
        .prop_map(|(lines, ends)| {
            lines
                .iter()
                .zip(ends)
                .map(|(l, e)| format!("{l}{e}"))
                .collect()
        })
}

fn no_paths() -> Paths {
    Paths {
        config: "/nonexistent/config".into(),
        credentials: "/nonexistent/credentials".into(),
    }
}

/// 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
const LAST: i64 = 253_402_300_799;

/// The lines the reader counts: `\n`, `\r\n` and a lone `\r` end one, as Python's universal
/// newlines do.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        out.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + skip..];
    }
    out
}

/// Sections as botocore's `raw_config_parse` returns them: name → key → text, or for an
/// indented block, key → sub-key → text.
fn sections_json(sections: &[Section]) -> Json {
    let mut out = Map::new();
    for section in sections {
        let mut keys = Map::new();
        for (key, value) in &section.entries {
            let value = match value {
                Value::Text(text) => json!(text),
                Value::Nested(pairs) => {
                    Json::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
                }
            };
            keys.insert(key.clone(), value);
        }
        out.insert(section.name.clone(), Json::Object(keys));
    }
    Json::Object(out)
}

/// How botocore reads each file: `{"sections": ...}`, or `{"error": "..."}`.
const BOTOCORE_READER: &str = r#"
import json, sys
from botocore.configloader import raw_config_parse
from botocore.exceptions import ConfigParseError
out = []
for path in sys.argv[1:]:
    try:
        out.append({"sections": raw_config_parse(path)})
    except ConfigParseError as e:
        out.append({"error": str(e.kwargs.get("error"))})
print(json.dumps(out))
"#;

/// botocore's reading of each text (see [`BOTOCORE_READER`]), all in one Python process.
fn botocore_reads(texts: &[String]) -> Vec<Json> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = (0..texts.len())
        .map(|i| dir.path().join(format!("config{i}")))
        .collect();
    for (path, text) in paths.iter().zip(texts) {
        std::fs::write(path, text).unwrap();
    }
    let out = Command::new(crate::util::python_with_botocore())
        .arg("-c")
        .arg(BOTOCORE_READER)
        .args(&paths)
        .env("PYTHONUTF8", "1")
        .output()
        .unwrap();
    crate::util::json_of(&out, "botocore's reader")
}

/// A timestamp as some writer spells it, and the epoch seconds it stands for: `T`, `t` or a
/// space; seconds with or without a fraction; `Z`, `UTC`, `GMT`, `+0000`, `-05:30`, `+02`.
fn spelled_timestamp() -> impl Strategy<Value = (String, i64)> {
    (
        86_400..=LAST - 86_400,
        -14i64..=14,
        prop_oneof![Just(0i64), Just(30), Just(45)],
        prop_oneof![Just("T"), Just("t"), Just(" ")],
        prop::option::of("[0-9]{1,9}"),
        0..4usize,
    )
        .prop_map(|(t, hours, minutes, sep, fraction, style)| {
            let offset = hours.signum() * (hours.abs() * 3600 + minutes * 60);
            let local = UNIX_EPOCH + Duration::from_secs((t + offset) as u64);
            let local = humantime::format_rfc3339_seconds(local).to_string();
            let (date, clock) = local.trim_end_matches('Z').split_once('T').unwrap();
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let sign = if offset < 0 { '-' } else { '+' };
            let (h, m) = (hours.abs(), if hours == 0 { 0 } else { minutes });
            let zone = match style {
                0 if offset == 0 => ["Z", "z", "UTC", "GMT", " UTC"][(t % 5) as usize].to_string(),
                1 => format!("{sign}{h:02}:{m:02}"),
                2 if m == 0 => format!("{sign}{h:02}"),
                _ => format!("{sign}{h:02}{m:02}"),
            };
            (format!("{date}{sep}{clock}{fraction}{zone}"), t)
        })
}

/// Bytes shaped like one of the cache files: a JSON object of their keys (either case
/// convention) holding strings, numbers, nulls, lists; or any bytes at all.
fn cache_like() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("startUrl"),
        Just("region"),
        Just("accessToken"),
        Just("expiresAt"),
        Just("clientId"),
        Just("clientSecret"),
        Just("registrationExpiresAt"),
        Just("refreshToken"),
        Just("scopes"),
        Just("grantTypes"),
        Just("ProviderType"),
        Just("Credentials"),
        Just("AccessKeyId"),
        Just("SecretAccessKey"),
        Just("SessionToken"),
        Just("Expiration"),
        Just("AccountId"),
    ];
    let leaf = prop_oneof![
        4 => any::<String>().prop_map(Json::from),
        1 => any::<i64>().prop_map(Json::from),
        1 => Just(Json::Null),
    ];
    let value = leaf.prop_recursive(2, 12, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("AccessKeyId"),
                        Just("SecretAccessKey"),
                        Just("SessionToken"),
                        Just("Expiration"),
                        Just("AccountId")
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Json::Object(
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    });
    // Whole files of each kind, any text in every field, optional fields present or not.
    let whole = (
        0..3usize,
        prop::collection::vec(any::<String>(), 8),
        prop::collection::vec(any::<bool>(), 8),
    )
        .prop_map(|(kind, s, some)| {
            let keep = |v: Json, i: usize| if some[i] { v } else { Json::Null };
            let file = match kind {
                0 => json!({
                    "startUrl": s[0], "region": s[1], "accessToken": s[2], "expiresAt": s[3],
                    "clientId": keep(json!(s[4]), 0), "clientSecret": keep(json!(s[5]), 1),
                    "registrationExpiresAt": keep(json!(s[6]), 2),
                    "refreshToken": keep(json!(s[7]), 3),
                }),
                1 => json!({
                    "ProviderType": s[0],
                    "Credentials": {
                        "AccessKeyId": s[1], "SecretAccessKey": s[2], "SessionToken": s[3],
                        "Expiration": s[4], "AccountId": keep(json!(s[5]), 0),
                    },
                }),
                _ => json!({
                    "clientId": s[0], "clientSecret": s[1], "expiresAt": s[2],
                    "scopes": keep(json!([s[3], s[4]]), 0), "grantTypes": keep(json!([s[5]]), 1),
                }),
            };
            serde_json::to_vec(&file).unwrap()
        });
    prop_oneof![
        2 => whole,
        2 => prop::collection::vec((key, value), 0..12).prop_map(|pairs| {
            let map: Map<String, Json> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            serde_json::to_vec(&Json::Object(map)).unwrap()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..400),
    ]
}

/// Reading `path` as `T`: what was read is what writing it back and reading that gives; what
/// cannot be read is reported with the file and the line.
fn reads_back_or_names_the_file<T>(path: &Path) -> Result<(), TestCaseError>
where
    T: serde::Serialize + for<'de> serde::Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    match ssoenv::cache::read::<T>(path) {
        Read::Found(value) => {
            let again = path.with_extension("again");
            ssoenv::cache::write(&again, &value).unwrap();
            match ssoenv::cache::read::<T>(&again) {
                Read::Found(reread) => prop_assert_eq!(reread, value),
                other => prop_assert!(false, "written back, then read as {:?}", other),
            }
        }
        Read::Corrupt(why) => {
            prop_assert!(
                why.starts_with(&path.display().to_string()) && why.contains("line "),
                "does not name the file and line: {}",
                why
            );
        }
        Read::Missing => prop_assert!(false, "{} exists", path.display()),
    }
    Ok(())
}

/// Names: mostly valid ones, sometimes anything.
fn env_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z_][A-Za-z0-9_]{0,6}",
        1 => any::<String>(),
    ]
}

/// Values: anything, and short ones heavy in what some shell must refuse or escape.
fn env_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z'\"\\\\%!^\n\r\0\u{2018}\u{2019}\u{201a}\u{201b} ]{0,6}",
    ]
}

/// Whether `shell` must refuse `change` (the reference model): a name that is not a name, a NUL,
/// and in cmd, the characters it cannot quote and those outside ASCII (the console's code page).
fn refused(shell: Shell, change: &Change) -> bool {
    let name = change.name();
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = change.value().unwrap_or_default();
    !valid_name
        || value.contains('\0')
        || (shell == Shell::Cmd
            && value
                .chars()
                .any(|c| "\"%!^".contains(c) || c.is_ascii_control() || !c.is_ascii()))
}

/// What evaluating `text` in `shell` sets (Some) and unsets (None), read by a reference reader
/// of that shell's syntax: shlex's POSIX words for bash, zsh and fish (the one quoting ssoenv
/// writes reads alike in all three), PowerShell's single-quoted strings and [char]s, cmd's `set "N=V"`.
fn read_back(shell: Shell, text: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    match shell {
        Shell::Bash | Shell::Zsh => {
            let words = shlex::split(text)?;
            let mut words = words.iter().map(String::as_str);
            while let Some(word) = words.next() {
                match word {
                    "export" => {
                        let (name, value) = words.next()?.split_once('=')?;
                        out.push((name.to_string(), Some(value.to_string())));
                    }
                    "unset" => {
                        (words.next()? == "-v").then_some(())?;
                        out.push((words.next()?.to_string(), None));
                    }
                    _ => return None,
                }
            }
        }
        Shell::Fish => {
            let words = shlex::split(text)?;
            let mut words = words.iter().map(String::as_str);
            while let Some(word) = words.next() {
                (word == "set").then_some(())?;
                match words.next()? {
                    "--global" => {
                        (words.next()? == "--export").then_some(())?;
                        let name = words.next()?.to_string();
                        out.push((name, Some(words.next()?.to_string())));
                    }
                    "--erase" => {
                        (words.next()? == "--global").then_some(())?;
                        let name = words.next()?.strip_suffix(';')?.to_string();
                        (words.next()? == "or" && words.next()? == "true").then_some(())?;
                        out.push((name, None));
                    }
                    _ => return None,
                }
            }
        }
        Shell::Powershell => {
            // Windows PowerShell reads a native program's output in the console's code page:
            // only ASCII arrives intact.
            text.is_ascii().then_some(())?;
            let mut rest = text;
            while !rest.is_empty() {
                if let Some(after) = rest
                    .strip_prefix("Remove-Item -ErrorAction SilentlyContinue -LiteralPath 'Env:/")
                {
                    let (name, after) = after.split_once("'\n")?;
                    out.push((name.to_string(), None));
                    rest = after;
                    continue;
                }
                let (name, mut after) = rest.strip_prefix("$Env:")?.split_once(" = ")?;
                // Terms joined by ` + `: '...' (a quote doubled is one) or [char]0xHHHH (one
                // UTF-16 unit); the first is a string, or `+` would add numbers.
                let mut units: Vec<u16> = Vec::new();
                let mut first = true;
                loop {
                    if let Some(hex) = after.strip_prefix("[char]0x") {
                        (!first).then_some(())?;
                        let digits = hex.get(..4)?;
                        units.push(u16::from_str_radix(digits, 16).ok()?);
                        after = &hex[4..];
                    } else {
                        let mut body = after.strip_prefix('\'')?;
                        loop {
                            let quote = body.find('\'')?;
                            units.extend(body[..quote].encode_utf16());
                            body = &body[quote + 1..];
                            match body.strip_prefix('\'') {
                                Some(more) => {
                                    units.push(u16::from(b'\''));
                                    body = more;
                                }
                                None => break,
                            }
                        }
                        after = body;
                    }
                    first = false;
                    match after.strip_prefix(" + ") {
                        Some(more) => after = more,
                        None => break,
                    }
                }
                out.push((name.to_string(), Some(String::from_utf16(&units).ok()?)));
                rest = after.strip_prefix('\n')?;
            }
        }
        Shell::Cmd => {
            for line in text.lines() {
                let (name, value) = line
                    .strip_prefix("set \"")?
                    .strip_suffix('"')?
                    .split_once('=')?;
                out.push((
                    name.to_string(),
                    Some(value.to_string()).filter(|v| !v.is_empty()),
                ));
            }
        }
        Shell::Elvish | Shell::Xonsh => {
            for line in text.lines() {
                let unset = match shell {
                    Shell::Elvish => line.strip_prefix("unset-env "),
                    _ => line
                        .strip_prefix("if '")
                        .and_then(|l| l.split_once("' in ${...}: del $"))
                        .and_then(|(name, again)| (name == again).then_some(name)),
                };
                if let Some(name) = unset {
                    out.push((name.to_string(), None));
                    continue;
                }
                let (name, literal) = match shell {
                    Shell::Elvish => line.strip_prefix("set-env ")?.split_once(" \"")?,
                    _ => line.strip_prefix('$')?.split_once(" = \"")?,
                };
                let literal = literal.strip_suffix('"')?;
                out.push((name.to_string(), Some(inert_literal(literal)?)));
            }
        }
        Shell::Json | Shell::Nu => {
            // ASCII only, for Windows consoles, as in PowerShell.
            text.is_ascii().then_some(())?;
            let doc: Map<String, Json> = serde_json::from_str(text).ok()?;
            for (name, value) in doc {
                out.push((name, value.as_str().map(str::to_string)));
            }
            // Read back in name order (serde_json's map sorts); an object has no other.
        }
    }
    Some(out)
}

/// The inside of the double-quoted string ssoenv writes for elvish and xonsh: only
/// `[A-Za-z0-9 _./,:=@+%-]` as they are, everything else as `\xNN` (ASCII only), `\uNNNN` or
/// `\UNNNNNNNN`; None for anything else (so a character a POSIX shell or fish would act on).
fn inert_literal(text: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() || " _./,:=@+%-".contains(c) {
            value.push(c);
            continue;
        }
        let digits = match (c, chars.next()?) {
            ('\\', 'x') => 2,
            ('\\', 'u') => 4,
            ('\\', 'U') => 8,
            _ => return None,
        };
        let hex: String = chars.by_ref().take(digits).collect();
        (hex.len() == digits).then_some(())?;
        let code = u32::from_str_radix(&hex, 16).ok()?;
        (digits != 2 || code < 0x80).then_some(())?;
        value.push(char::from_u32(code)?);
    }
    Some(value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_profile_the_config_lists_resolves(text in ini_like()) {
        if let Ok(sections) = ini::parse(&text) {
            let config = Config::from_sections(no_paths(), sections.clone(), sections);
            for name in config.profile_names() {
                prop_assert!(config.profile(name).is_ok());
            }
        }
    }

    #[test]
    fn the_reader_points_at_lines_that_exist(text in prop_oneof![ini_like(), any::<String>()]) {
        let lines = lines(text.strip_prefix('\u{feff}').unwrap_or(&text));
        match ini::parse(&text) {
            Ok(sections) => {
                for section in &sections {
                    let header = lines.get(section.line.wrapping_sub(1)).map(|l| l.trim());
                    prop_assert!(
                        header.is_some_and(|h| h.starts_with('[') && h.contains(&section.name)),
                        "section {:?} said to start at line {}: {:?}", section.name, section.line, header
                    );
                }
            }
            Err(e) => prop_assert!(
                (1..=lines.len()).contains(&e.line),
                "error at line {} of {}: {}", e.line, lines.len(), e.message
            ),
        }
    }

    #[test]
    fn timestamps_are_read_in_every_spelling((text, t) in spelled_timestamp()) {
        prop_assert_eq!(ssoenv::time::parse(&text), Some(t), "{}", text);
        prop_assert_eq!(ssoenv::time::parse(&ssoenv::time::format_rfc3339(t)), Some(t));
    }

    #[test]
    fn any_time_read_is_written_back_the_same(text in any::<String>(), n in any::<i64>()) {
        if let Some(t) = ssoenv::time::parse(&text).filter(|t| (0..=LAST).contains(t)) {
            prop_assert_eq!(ssoenv::time::parse(&ssoenv::time::format_rfc3339(t)), Some(t));
        }
        let t = n.rem_euclid(4_000_000_000);
        prop_assert_eq!(ssoenv::time::parse(&ssoenv::time::format_rfc3339(t)), Some(t));
    }

    #[test]
    fn each_shell_sets_what_was_asked_or_refuses_the_culprit(
        pairs in prop::collection::vec((env_name(), prop::option::of(env_value())), 0..6)
    ) {
        let mut changes = EnvChanges::new();
        for (name, value) in &pairs {
            match value {
                Some(v) => changes.set(name.as_str(), v.as_str()),
                None => changes.unset(name.as_str()),
            };
        }
        let asked: Vec<(String, Option<String>)> = changes
            .iter()
            .map(|c| (c.name().to_string(), c.value().map(str::to_string)))
            .collect();
        for shell in Shell::ALL {
            let culprit = changes.iter().find(|c| refused(shell, c));
            match (render(shell, &changes), culprit) {
                (Ok(text), None) => {
                    let mut asked = asked.clone();
                    if matches!(shell, Shell::Json | Shell::Nu) {
                        asked.sort();
                    }
                    prop_assert_eq!(read_back(shell, &text), Some(asked), "{} output:\n{}", shell, text);
                }
                (Err(e), Some(culprit)) => {
                    let message = e.to_string();
                    prop_assert!(
                        message.contains(culprit.name()) || message.contains(&format!("{:?}", culprit.name())),
                        "{} refused, naming another variable than {:?}: {}", shell, culprit.name(), message
                    );
                }
                (Ok(text), Some(culprit)) => prop_assert!(false, "{} accepted {:?}:\n{}", shell, culprit, text),
                (Err(e), None) => prop_assert!(false, "{} refused {:?}: {}", shell, asked, e),
            }
        }
    }

    #[test]
    fn json_output_always_reads_back(value in any::<String>()) {
        prop_assume!(!value.contains('\0') && !value.is_empty());
        let mut changes = EnvChanges::new();
        changes.set("V", value.as_str());
        let text = render(Shell::Json, &changes).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(doc["V"].as_str(), Some(value.as_str()));
    }
}

proptest! {
    // Each case that reads writes back with fsync, which costs milliseconds.
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn cache_files_read_back_what_is_written_or_name_the_line(bytes in cache_like()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, &bytes).unwrap();
        reads_back_or_names_the_file::<TokenFile>(&path)?;
        reads_back_or_names_the_file::<RoleFile>(&path)?;
        reads_back_or_names_the_file::<RegistrationFile>(&path)?;
    }
}

proptest! {
    // Each case asks botocore about 100 files in one Python process.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_config_reader_reads_as_botocore_does(texts in prop::collection::vec(ini_like(), 100)) {
        let theirs = botocore_reads(&texts);
        for (text, theirs) in texts.iter().zip(theirs) {
            // The one deliberate difference: ssoenv skips a byte order mark, botocore refuses it.
            if text.starts_with('\u{feff}') {
                continue;
            }
            match ini::parse(text) {
                Ok(sections) => prop_assert_eq!(
                    &sections_json(&sections), &theirs["sections"], "{:?}", text
                ),
                // Which line is blamed may differ: configparser raises at a duplicate at once but
                // at a malformed line only at the end, ssoenv at the first problem it meets.
                Err(e) => prop_assert!(
                    theirs.get("error").is_some(),
                    "refused at line {} ({}), botocore read it: {:?}", e.line, e.message, text
                ),
            }
        }
    }
}
