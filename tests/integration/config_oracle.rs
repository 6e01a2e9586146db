//! Every fixture config, read by ssoenv, against how the real botocore read it
//! (tests/fixtures/configs/botocore-view.json, copied from shared/fixtures).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json, json};
use ssoenv::config::{Config, Kind, Paths, Settings};
use ssoenv::ini::Value;

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
