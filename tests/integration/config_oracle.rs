//! Every fixture config, read by ssoenv, against how the real botocore read it
//! (tests/fixtures/configs/botocore-view.json, copied from shared/fixtures).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value as Json, json};
use ssoenv::config::{Chain, Config, Kind, Paths, Root, Settings};
use ssoenv::ini::Value;

use crate::util::{json_of, python_with_botocore, support_file};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/configs")
}

fn load(file: &str) -> ssoenv::error::Result<Config> {
    Config::load(Paths {
        config: fixtures().join(file),
        credentials: fixtures().join("credentials.ini"),
    })
}

fn settings_json(settings: &Settings) -> Json {
    let mut map = Map::new();
    for (key, value) in settings.iter() {
        let value = match value {
            Value::Text(s) => json!(s),
            Value::Nested(pairs) => {
                Json::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
            }
        };
        map.insert(key.clone(), value);
    }
    Json::Object(map)
}

fn sso_json(kind: &Kind) -> Json {
    match kind {
        Kind::Sso(sso) => {
            let mut v = json!({
                "sso_account_id": sso.account_id,
                "sso_region": sso.region,
                "sso_role_name": sso.role_name,
                "sso_start_url": sso.start_url,
            });
            if let Some(session) = &sso.session {
                v["sso_session"] = json!(session);
            }
            v
        }
        Kind::Invalid(why) => json!({ "error": why }),
        _ => Json::Null,
    }
}

/// The words of botocore's message that a reader needs: quoted names, URLs, config keys.
fn key_terms(message: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for part in message.split(['"', '(', ')', ' ', ':']) {
        let part = part.trim_end_matches('.');
        if part.starts_with("sso_") || part.starts_with("https://") || part.contains('-') {
            terms.push(part.to_string());
        }
    }
    terms
}

#[test]
fn ssoenv_reads_every_fixture_as_botocore_does() {
    let view: Json =
        serde_json::from_slice(&std::fs::read(fixtures().join("botocore-view.json")).unwrap())
            .unwrap();
    let mut compared_profiles = 0;
    for (file, expected) in view.as_object().unwrap() {
        if expected.get("error").is_some() {
            // Only bom.ini: botocore refuses a byte order mark, ssoenv deliberately reads it.
            assert_eq!(file, "bom.ini", "an unexpected botocore error for {file}");
            continue;
        }
        let config = load(file).unwrap_or_else(|e| panic!("{file}: {e}"));

        let profiles: Map<String, Json> = config
            .profile_names()
            .map(|name| {
                let settings = config.settings(name).unwrap();
                (name.to_string(), settings_json(settings))
            })
            .collect();
        assert_eq!(
            Json::Object(profiles),
            expected["profiles"],
            "{file}: profiles"
        );

        let sessions: Map<String, Json> = config
            .sso_sessions
            .iter()
            .map(|(name, s)| (name.clone(), settings_json(s)))
            .collect();
        assert_eq!(
            Json::Object(sessions),
            expected["sso_sessions"],
            "{file}: sessions"
        );

        let services: Map<String, Json> = config
            .services
            .iter()
            .map(|(name, by_service)| {
                let inner: Map<String, Json> = by_service
                    .iter()
                    .map(|(service, s)| (service.clone(), settings_json(s)))
                    .collect();
                (name.clone(), Json::Object(inner))
            })
            .collect();
        assert_eq!(
            Json::Object(services),
            expected["services"],
            "{file}: services"
        );

        for (name, want) in expected["sso"].as_object().unwrap() {
            let profile = config.profile(name).unwrap();
            let got = sso_json(&profile.kind);
            match want.get("error").and_then(Json::as_str) {
                Some(botocore_error) => {
                    let ours = got["error"].as_str().unwrap_or_else(|| {
                        panic!("{file}: {name}: botocore refuses it, ssoenv took {got}")
                    });
                    for term in key_terms(botocore_error) {
                        assert!(
                            ours.contains(&term),
                            "{file}: {name}: our error {ours:?} does not name {term:?} \
                             (botocore: {botocore_error:?})"
                        );
                    }
                }
                None => assert_eq!(&got, want, "{file}: profile {name}"),
            }
            compared_profiles += 1;
        }
    }
    assert!(
        compared_profiles >= 20,
        "only {compared_profiles} profiles compared"
    );
}

#[test]
fn a_byte_order_mark_is_read_where_botocore_refuses() {
    let config = load("bom.ini").unwrap();
    let profile = config.profile("bom").unwrap();
    assert_eq!(
        sso_json(&profile.kind),
        json!({
            "sso_account_id": "141414141414",
            "sso_region": "us-east-1",
            "sso_role_name": "Dev",
            "sso_session": "corp",
            "sso_start_url": "https://d-1234567890.awsapps.com/start",
        })
    );
}

#[test]
fn broken_profiles_fail_with_what_to_change() {
    let config = load("mixed.ini").unwrap();
    let err = |name: &str| match config.profile(name).unwrap().kind {
        Kind::Invalid(why) => why,
        other => panic!("{name} resolved to {other:?}"),
    };
    assert!(
        err("dangling").contains("acme, acme-cn"),
        "{}",
        err("dangling")
    );
    assert!(err("incomplete").contains("sso_role_name"));
    assert!(err("mismatch").contains("remove it from the profile"));
}

/// A chain as tests/support/botocore_chains.py prints botocore's: the AssumeRole arguments,
/// outermost first, and the root profile with the provider botocore takes its credentials from.
fn chain_json(chain: &Chain) -> Json {
    let hops: Vec<Json> = chain
        .hops
        .iter()
        .map(|hop| {
            let mut extra = Map::new();
            let mut put = |key: &str, value: Option<Json>| {
                if let Some(v) = value {
                    extra.insert(key.to_string(), v);
                }
            };
            put(
                "RoleSessionName",
                hop.role_session_name.as_ref().map(|s| json!(s)),
            );
            put("ExternalId", hop.external_id.as_ref().map(|s| json!(s)));
            put("SerialNumber", hop.mfa_serial.as_ref().map(|s| json!(s)));
            put("DurationSeconds", hop.duration_seconds.map(|n| json!(n)));
            json!({ "profile": hop.profile, "role_arn": hop.role_arn, "extra_args": extra })
        })
        .collect();
    let methods: &[&str] = match &chain.root {
        Root::Sso { .. } => &["sso"],
        Root::StaticKeys { .. } => &["shared-credentials-file", "config-file"],
        Root::CredentialProcess { .. } => &["custom-process"],
        Root::WebIdentity { .. } => &["assume-role-with-web-identity"],
        Root::CredentialSource { .. } => &[],
    };
    json!({ "hops": hops, "root": chain.root.profile(), "root_methods": methods })
}

fn botocore_chains(file: &str) -> Map<String, Json> {
    let script = support_file("botocore_chains.py");
    let out = Command::new(python_with_botocore())
        .arg(script)
        .arg(fixtures().join(file))
        .arg(fixtures().join("credentials.ini"))
        .env_clear()
        .output()
        .unwrap();
    match json_of(&out, &format!("botocore on {file}")) {
        Json::Object(map) => map,
        other => panic!("{file}: {other}"),
    }
}

#[test]
fn ssoenv_resolves_role_chains_as_botocore_does() {
    let mut compared = 0;
    for file in [
        "chained.ini",
        "mixed.ini",
        "everyday.ini",
        "legacy.ini",
        "crlf.ini",
    ] {
        let config = load(file).unwrap();
        let theirs = botocore_chains(file);
        let ours: Vec<&str> = config
            .profiles()
            .filter(|p| {
                let s = config.settings(&p.name).unwrap();
                s.contains("role_arn") && !s.contains("web_identity_token_file")
            })
            .map(|p| {
                theirs
                    .get_key_value(&p.name)
                    .map_or("", |(k, _)| k.as_str())
            })
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{file}: role_arn profiles differ");
        for (name, want) in &theirs {
            let profile = config.profile(name).unwrap();
            match (&profile.kind, want.get("error").and_then(Json::as_str)) {
                (Kind::AssumeRole(chain), None) => {
                    let got = chain_json(chain);
                    let mut want = want.clone();
                    let method = want["root_method"].take();
                    assert!(
                        got["root_methods"].as_array().unwrap().contains(&method),
                        "{file}: {name}: root {got} but botocore's root provider is {method}"
                    );
                    want["root_methods"] = got["root_methods"].clone();
                    want.as_object_mut().unwrap().remove("root_method");
                    assert_eq!(got, want, "{file}: {name}");
                }
                (Kind::Invalid(ours), Some(botocore_error)) => {
                    // Every profile botocore's message names, ours names too.
                    for other in config.profile_names() {
                        let named = |m: &str| {
                            m.contains(&format!("\"{other}\""))
                                || m.contains(&format!("'{other}'"))
                                || m.contains(&format!("profile {other} "))
                        };
                        if named(botocore_error) {
                            assert!(
                                ours.contains(other),
                                "{file}: {name}: {ours:?} does not name {other} \
                                 (botocore: {botocore_error:?})"
                            );
                        }
                    }
                    for key in ["source_profile", "credential_source"] {
                        if botocore_error.contains(key) {
                            assert!(ours.contains(key), "{file}: {name}: {ours:?} lacks {key}");
                        }
                    }
                }
                (kind, botocore_error) => {
                    panic!("{file}: {name}: ssoenv {kind:?}, botocore {botocore_error:?} / {want}")
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 18, "only {compared} chained profiles compared");
}

#[test]
fn chain_errors_name_the_whole_chain() {
    let config = load("chained.ini").unwrap();
    let err = |name: &str| match config.profile(name).unwrap().kind {
        Kind::Invalid(why) => why,
        other => panic!("{name} resolved to {other:?}"),
    };
    assert!(
        err("loop-a").contains("loop-a -> loop-b -> loop-a"),
        "{}",
        err("loop-a")
    );
    assert!(
        err("self-loop").contains("self-loop -> self-loop"),
        "{}",
        err("self-loop")
    );
    assert!(
        err("missing-deeper").contains("missing-deeper -> missing-source -> no-such-profile"),
        "{}",
        err("missing-deeper")
    );
}
