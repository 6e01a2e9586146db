//! Property tests over everything that reads outside input: no input makes them panic, and what
//! they accept they read consistently. Pure functions, so thousands of cases run in seconds.

use proptest::prelude::*;
use ssoenv::config::{Config, Paths};
use ssoenv::shell::{EnvChanges, Shell, render};

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_config_reader_never_panics(text in ini_like()) {
        if let Ok(sections) = ssoenv::ini::parse(&text) {
            let config = Config::from_sections(no_paths(), sections.clone(), sections);
            for profile in config.profiles() {
                let _ = profile.kind.label();
            }
            for name in config.profile_names() {
                prop_assert!(config.profile(name).is_ok());
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_reader(text in any::<String>()) {
        let _ = ssoenv::ini::parse(&text);
    }

    #[test]
    fn timestamps_never_panic(text in any::<String>(), n in any::<i64>()) {
        let _ = ssoenv::time::parse(&text);
        let _ = ssoenv::time::format_rfc3339(n);
        let t = n.rem_euclid(4_000_000_000);
        prop_assert_eq!(ssoenv::time::parse(&ssoenv::time::format_rfc3339(t)), Some(t));
    }

    #[test]
    fn cache_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, &bytes).unwrap();
        let _ = ssoenv::cache::read::<ssoenv::cache::TokenFile>(&path);
        let _ = ssoenv::cache::read::<ssoenv::cache::RoleFile>(&path);
        let _ = ssoenv::cache::read::<ssoenv::cache::RegistrationFile>(&path);
    }

    #[test]
    fn rendering_never_panics(
        pairs in prop::collection::vec((any::<String>(), prop::option::of(any::<String>())), 0..6)
    ) {
        let mut changes = EnvChanges::new();
        for (name, value) in &pairs {
            match value {
                Some(v) => changes.set(name.as_str(), v.as_str()),
                None => changes.unset(name.as_str()),
            };
        }
        for shell in Shell::ALL {
            let _ = render(shell, &changes);
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
