//! Account discovery: `populate` (a profile for every account and role) and `configure` (one
//! profile, by flags or at a terminal), against the mock IAM Identity Center. The config file is
//! edited surgically: everything outside what ssoenv writes keeps its bytes.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engine::{CONFIG, World, eval_bash};
use crate::support::{MockSso, generate_accounts};
use crate::util::{assert_fails, json_of, stderr, stdout};

const BEGIN: &str =
    "# BEGIN ssoenv populate sso-session=corp (do not edit; rerun ssoenv populate)\n";
const END: &str = "# END ssoenv populate sso-session=corp\n";

/// A config a person wrote: comments, blank lines, an unrelated profile with a nested block.
const HAND_WRITTEN: &str = "\
# my AWS config; ssoenv must not touch this comment
[sso-session corp]
sso_start_url = https://mock.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access


; an unrelated profile, with odd spacing kept as it is
[profile unrelated]
region=eu-north-1
s3 =
    max_concurrent_requests = 10
output   =   text
";

fn big_world() -> World {
    World::with_mock(
        MockSso::builder()
            .interval(0)
            .generated_accounts(250, 3)
            .start(),
    )
    .with_browser()
}

fn populate(w: &World, extra: &[&str]) -> Output {
    // 100 requests a second keeps this module quick; the default (10) is for real organisations.
    let mut args = vec!["populate", "--sso-session", "corp", "--max-rate", "100"];
    args.extend_from_slice(extra);
    w.sb.run(&args)
}

#[track_caller]
fn assert_ok(out: &Output) -> String {
    let err = stderr(out);
    assert!(out.status.success(), "failed: {err}");
    err
}

fn read(w: &World) -> String {
    std::fs::read_to_string(w.path("config")).unwrap()
}

/// The text before and after the populate block, and the block.
fn split_block(text: &str) -> (String, String, String) {
    let start = text.find(BEGIN).expect("no BEGIN line");
    let end = text.find(END).expect("no END line") + END.len();
    (
        text[..start].to_string(),
        text[start..end].to_string(),
        text[end..].to_string(),
    )
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// How botocore reads the sandbox's config: the number of profiles and one profile's settings.
fn botocore_view(python: &Path, w: &World, profile: &str) -> Value {
    let script = "\
import json, sys, botocore.session
profiles = botocore.session.Session().full_config['profiles']
scoped = botocore.session.Session(profile=sys.argv[1]).get_scoped_config()
print(json.dumps({'count': len(profiles), 'names': sorted(profiles), 'profile': scoped}))
";
    let out = Command::new(python)
        .args(["-c", script, profile])
        .env_clear()
        .env("HOME", w.sb.home())
        .env("AWS_CONFIG_FILE", w.path("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", w.path("credentials"))
        .output()
        .unwrap();
    json_of(&out, "botocore")
}

#[test]
fn populate_writes_750_profiles_that_botocore_reads_and_a_rerun_changes_nothing() {
    let w = big_world();
    w.sb.write_config(HAND_WRITTEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::Permissions::from_mode(0o640);
        std::fs::set_permissions(w.path("config"), perms).unwrap();
    }

    let started = Instant::now();
    let out = populate(&w, &["--region", "eu-west-1"]);
    let took = started.elapsed();
    let err = assert_ok(&out);
    eprintln!("populate 250 accounts x 3 roles took {took:.2?}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(&out));
    assert!(err.contains("found 750 roles in 250 accounts"), "{err}");
    assert!(
        err.contains("wrote 750 profiles for sso-session corp to") && err.contains("750 added"),
        "{err}"
    );
    // The rate ceiling holds: 250 ListAccountRoles calls at 100 a second take 2.5 s at least.
    assert!(took >= Duration::from_millis(2400), "{took:?}");
    assert_eq!(w.mock.count("/assignment/roles"), 250);

    let text = read(&w);
    let (before, block, after) = split_block(&text);
    // The hand-written file is kept byte for byte; the block follows one blank line.
    assert_eq!(before, format!("{HAND_WRITTEN}\n"));
    assert_eq!(after, "");
    assert_eq!(block.matches("\n[profile ").count(), 750);
    assert!(
        block.contains(
            "[profile generated-007-Role02]\nsso_session = corp\nsso_account_id = 900000000007\n\
             sso_role_name = Role02\nregion = eu-west-1\nssoenv_account_name = generated-007\n\n"
        ),
        "{}",
        &block[..600]
    );
    // Sorted by name inside the block.
    let names: Vec<&str> = block
        .lines()
        .filter_map(|l| l.strip_prefix("[profile "))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    #[cfg(unix)]
    assert_eq!(mode(&w.path("config")), 0o640, "the file's mode changed");

    {
        let python = crate::util::python_with_botocore();
        let view = botocore_view(&python, &w, "generated-250-Role03");
        assert_eq!(view["count"], 751, "750 generated + unrelated");
        assert_eq!(view["profile"]["sso_session"], "corp");
        assert_eq!(view["profile"]["sso_account_id"], "900000000250");
        assert_eq!(view["profile"]["sso_role_name"], "Role03");
        assert_eq!(view["profile"]["region"], "eu-west-1");
        assert_eq!(view["profile"]["ssoenv_account_name"], "generated-250");
        let unrelated = botocore_view(&python, &w, "unrelated");
        assert_eq!(unrelated["profile"]["output"], "text");
        assert_eq!(unrelated["profile"]["s3"]["max_concurrent_requests"], "10");
    }

    // Again, without --region: nothing changes, not even the file's modification time.
    let modified = std::fs::metadata(w.path("config"))
        .unwrap()
        .modified()
        .unwrap();
    let err = assert_ok(&populate(&w, &[]));
    assert!(err.contains("no changes"), "{err}");
    assert_eq!(read(&w), text);
    assert_eq!(
        std::fs::metadata(w.path("config"))
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );

    // `use` on a populated profile exports the account's name, read from the profile.
    let env = w.use_ok(&["generated-042-Role01"]);
    assert_eq!(env["SSOENV_ACCOUNT_NAME"], "generated-042");
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "900000000042");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
}

#[test]
fn populate_prunes_only_what_went_away_and_dry_run_writes_nothing() {
    let w = big_world();
    w.sb.write_config(HAND_WRITTEN);
    assert_ok(&populate(&w, &[]));
    // A person adds to the file after the block.
    let mut text = read(&w);
    text.push_str("\n# added later, by hand\n[profile later]\nregion = ap-south-1\n");
    std::fs::write(w.path("config"), &text).unwrap();
    let (before, _, after) = split_block(&text);

    // Account 5 goes away.
    let mut accounts = generate_accounts(250, 3);
    accounts.retain(|a| a.account_name != "generated-005");
    w.mock.set_accounts(accounts);

    // Without --prune its profiles stay, and the command says so.
    let err = assert_ok(&populate(&w, &[]));
    assert!(err.contains("no changes"), "{err}");
    assert!(
        err.contains("3 profiles are for roles you can no longer reach"),
        "{err}"
    );
    assert_eq!(read(&w), text);

    // --dry-run shows what --prune would remove, and writes nothing.
    let out = populate(&w, &["--prune", "--dry-run"]);
    let err = assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "- [profile generated-005-Role01]\n- [profile generated-005-Role02]\n\
         - [profile generated-005-Role03]\n"
    );
    assert!(err.contains("0 added, 3 removed, 0 changed"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert_eq!(read(&w), text);

    let out = populate(&w, &["--prune"]);
    assert_ok(&out);
    assert!(out.stdout.is_empty());
    let pruned = read(&w);
    let (new_before, block, new_after) = split_block(&pruned);
    assert_eq!(new_before, before);
    assert_eq!(new_after, after);
    assert_eq!(block.matches("\n[profile ").count(), 747);
    assert!(!block.contains("generated-005"));
    assert!(block.contains("[profile generated-004-Role03]"));
    assert!(block.contains("[profile generated-006-Role01]"));
}

#[test]
fn populate_absorbs_throttling() {
    let w = big_world();
    w.mock.throttle_next_on("/assignment/roles", 20);
    let out = populate(&w, &[]);
    let err = assert_ok(&out);
    assert!(err.contains("found 750 roles in 250 accounts"), "{err}");
    assert_eq!(w.mock.count("/assignment/roles"), 250 + 20);
    let (_, block, _) = split_block(&read(&w));
    assert_eq!(block.matches("\n[profile ").count(), 750);
}

#[test]
fn populate_writes_nothing_when_a_listing_fails() {
    let w = World::new().with_browser();
    // A block someone cut short is refused before any request.
    let broken = format!("{CONFIG}\n{BEGIN}[profile x]\nregion = a\n");
    w.sb.write_config(&broken);
    let err = assert_fails(&w.sb.run(&["populate"]), 1);
    assert!(err.contains("has no `# END ssoenv populate"), "{err}");
    assert!(
        err.contains("fix or remove the ssoenv populate block"),
        "{err}"
    );
    assert_eq!(w.mock.total(), 0);
    assert_eq!(read(&w), broken);

    w.sb.write_config(CONFIG);
    w.mock.fail_next_on("/assignment/roles", 100);
    let err = assert_fails(&w.sb.run(&["populate", "--prune"]), 1);
    assert!(err.contains("ListAccountRoles for account"), "{err}");
    assert!(err.contains("InternalServerException"), "{err}");
    assert_eq!(read(&w), CONFIG);
}

#[test]
fn populate_names_around_profiles_it_did_not_write() {
    let w = World::new().with_browser();
    // The mock's accounts: dev-account (AdministratorAccess, ReadOnly), prod-account (ReadOnly).
    let text = format!("{CONFIG}\n[profile dev-account-ReadOnly]\nregion = us-west-2\n");
    w.sb.write_config(&text);
    // No --sso-session: the config's only one is used.
    let out =
        w.sb.run(&["populate", "--template", "{account_name}-{role_name}"]);
    let err = assert_ok(&out);
    assert!(
        err.contains(
            "profile name dev-account-ReadOnly is taken by a profile outside the ssoenv block; \
             role ReadOnly in account 111111111111 is named dev-account-ReadOnly-2"
        ),
        "{err}"
    );
    let written = read(&w);
    assert!(written.starts_with(&text));
    let (_, block, _) = split_block(&written);
    let names: Vec<&str> = block
        .lines()
        .filter_map(|l| l.strip_prefix("[profile "))
        .collect();
    // [profile dev] and [profile prod] already are two of the roles: they are kept, not repeated.
    assert_eq!(names, ["dev-account-ReadOnly-2]"]);
    assert!(
        err.contains(
            "kept profile \"dev\" for 111111111111/AdministratorAccess (outside the generated \
             block)"
        ) && err.contains("kept profile \"prod\" for 222222222222/ReadOnly"),
        "{err}"
    );
    // The hand-written profile did not gain an account name; `use` of it exports none.
    let env = w.use_ok(&["dev"]);
    assert!(!env.contains_key("SSOENV_ACCOUNT_NAME"), "{env:?}");
    let env = w.use_ok(&["dev-account-ReadOnly-2"]);
    assert_eq!(env["SSOENV_ACCOUNT_NAME"], "dev-account");

    let out = w.sb.run(&["populate", "--template", "{role}"]);
    let err = assert_fails(&out, 2);
    assert!(err.contains("{role} is not a placeholder"), "{err}");
}

#[test]
fn populate_keeps_crlf_line_ends_and_a_missing_final_newline() {
    let w = World::new().with_browser();
    let text = CONFIG.trim_end().replace('\n', "\r\n");
    w.sb.write_config(&text);
    assert_ok(&w.sb.run(&["populate", "--sso-session", "corp"]));
    let written = read(&w);
    assert!(written.starts_with(&format!("{text}\r\n\r\n# BEGIN ssoenv populate")));
    assert!(
        written.ends_with("# END ssoenv populate sso-session=corp"),
        "{written:?}"
    );
    assert!(
        !written.replace("\r\n", "").contains(['\n', '\r']),
        "{written:?}"
    );
    let err = assert_ok(&w.sb.run(&["populate", "--sso-session", "corp"]));
    assert!(err.contains("no changes"), "{err}");
    assert_eq!(read(&w), written);
}

const CONFIGURE_DEV_RO: &[&str] = &[
    "configure",
    "--sso-session",
    "work",
    "--start-url",
    "https://mock.awsapps.com/start",
    "--sso-region",
    "us-east-1",
    "--account-id",
    "111111111111",
    "--role-name",
    "ReadOnly",
    "--region",
    "eu-central-1",
    "--output",
    "json",
    "--profile",
    "dev-ro",
];

#[test]
fn configure_by_flags_writes_a_session_and_a_profile() {
    let w = World::new().with_browser();
    #[cfg(unix)]
    let mode_before = mode(&w.path("config"));
    let out = w.sb.run(CONFIGURE_DEV_RO);
    let err = assert_ok(&out);
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(&out));
    assert!(err.contains("added [profile dev-ro]"), "{err}");
    assert_eq!(
        read(&w),
        format!(
            "{CONFIG}\n[sso-session work]\nsso_start_url = https://mock.awsapps.com/start\n\
             sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n\
             [profile dev-ro]\nsso_session = work\nsso_account_id = 111111111111\n\
             sso_role_name = ReadOnly\nregion = eu-central-1\noutput = json\n\
             ssoenv_account_name = dev-account\n"
        )
    );
    #[cfg(unix)]
    assert_eq!(
        mode(&w.path("config")),
        mode_before,
        "the file's mode changed"
    );
    let env = w.use_ok(&["dev-ro"]);
    assert_eq!(env["SSOENV_ACCOUNT_NAME"], "dev-account");
    assert_eq!(env["SSOENV_ROLE_NAME"], "ReadOnly");
    {
        let python = crate::util::python_with_botocore();
        let view = botocore_view(&python, &w, "dev-ro");
        assert_eq!(view["profile"]["sso_session"], "work");
        assert_eq!(view["profile"]["output"], "json");
    }

    // The same name again: refused, and nothing changes.
    let before = read(&w);
    let err = assert_fails(&w.sb.run(CONFIGURE_DEV_RO), 1);
    assert!(err.contains("profile \"dev-ro\": exists already"), "{err}");
    assert!(
        err.contains("--profile dev-ro-2") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&w), before);

    // --force replaces it where it is; the session is reused, not written twice.
    let mut args = CONFIGURE_DEV_RO.to_vec();
    args.extend(["--force"]);
    let role = args.iter().position(|a| *a == "ReadOnly").unwrap();
    args[role] = "AdministratorAccess";
    let err = assert_ok(&w.sb.run(&args));
    assert!(err.contains("replaced [profile dev-ro]"), "{err}");
    assert_eq!(
        read(&w),
        before.replace(
            "sso_role_name = ReadOnly\nregion = eu-central-1",
            "sso_role_name = AdministratorAccess\nregion = eu-central-1"
        )
    );

    // An existing sso-session with another start URL is refused before anyone signs in.
    let before_requests = w.mock.total();
    let out = w.sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--start-url",
        "https://other.awsapps.com/start",
    ]);
    let err = assert_fails(&out, 2);
    assert!(err.contains("already has sso_start_url"), "{err}");
    assert_eq!(w.mock.total(), before_requests);
}

#[test]
fn configure_without_a_terminal_names_the_missing_flag() {
    let w = World::new().with_browser();
    let err = assert_fails(&w.sb.run(&["configure"]), 2);
    assert!(err.contains("--sso-session"), "{err}");
    let err = assert_fails(
        &w.sb.run(&[
            "configure",
            "--sso-session",
            "new",
            "--start-url",
            "https://mock.awsapps.com/start",
        ]),
        2,
    );
    assert!(err.contains("--sso-region: needed"), "{err}");
    assert!(err.contains("no terminal"), "{err}");
    assert_eq!(
        w.mock.total(),
        0,
        "it signed in before asking for what it lacked"
    );

    // Two accounts to choose from, and no flag to choose with.
    let err = assert_fails(&w.sb.run(&["configure", "--sso-session", "corp"]), 2);
    assert!(err.contains("--account-id: needed"), "{err}");
    // Two roles in dev-account.
    let err = assert_fails(
        &w.sb.run(&[
            "configure",
            "--sso-session",
            "corp",
            "--account-id",
            "111111111111",
        ]),
        2,
    );
    assert!(err.contains("--role-name: needed"), "{err}");
    assert!(err.contains("AdministratorAccess, ReadOnly"), "{err}");
    assert_eq!(read(&w), CONFIG);

    // One role in prod-account: chosen for you; the name is suggested.
    let out = w.sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
    ]);
    let err = assert_ok(&out);
    assert!(
        err.contains("the only role you have there: ReadOnly"),
        "{err}"
    );
    assert_eq!(
        read(&w),
        format!(
            "{CONFIG}\n[profile prod-account-ReadOnly]\nsso_session = corp\n\
             sso_account_id = 222222222222\nsso_role_name = ReadOnly\n\
             ssoenv_account_name = prod-account\n"
        )
    );
}

#[test]
fn configure_creates_a_private_config_file() {
    let mut w = World::new().with_browser();
    let config = w.sb.home().join("new/folder/config");
    w.sb.env("AWS_CONFIG_FILE", config.to_str().unwrap());
    let out = w.sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--start-url",
        "https://mock.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--account-id",
        "222222222222",
    ]);
    let err = assert_ok(&out);
    assert!(err.contains("added [sso-session corp]"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "[sso-session corp]\nsso_start_url = https://mock.awsapps.com/start\n\
         sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n\
         [profile prod-account-ReadOnly]\nsso_session = corp\nsso_account_id = 222222222222\n\
         sso_role_name = ReadOnly\nssoenv_account_name = prod-account\n"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&config), 0o600);
        assert_eq!(mode(config.parent().unwrap()), 0o700);
    }
}

/// A config with one sso-session per name, all on the mock, each with a token the mock accepts
/// (so that the runs below race on the file, not on logins).
fn sessions_world(names: &[&str]) -> (World, String) {
    let w = World::new();
    let mut config = String::new();
    for name in names {
        config.push_str(&format!(
            "[sso-session {name}]\nsso_start_url = https://mock.awsapps.com/start\n\
             sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n"
        ));
        let session = ssoenv::config::SsoSession {
            name: Some(name.to_string()),
            start_url: "https://mock.awsapps.com/start".into(),
            region: "us-east-1".into(),
            registration_scopes: None,
        };
        let path = w.path(&format!(
            "sso/cache/{}.json",
            ssoenv::cache::token_key(&session)
        ));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let seeded = w.mock.seed_session(3600);
        std::fs::write(
            path,
            seeded.token_cache_json("https://mock.awsapps.com/start", "us-east-1"),
        )
        .unwrap();
    }
    w.sb.write_config(&config);
    (w, config)
}

fn populate_cmd(w: &World, session: &str) -> Command {
    let template = format!("{session}-{{account_id}}-{{role_name}}");
    w.sb.cmd(&[
        "populate",
        "--sso-session",
        session,
        "--template",
        &template,
        "--max-rate",
        "1000",
    ])
}

/// Starts every command at once, then waits for all of them.
fn run_together(commands: Vec<Command>) -> Vec<Output> {
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut cmd| crate::util::spawn_piped(&mut cmd))
        .collect();
    children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect()
}

/// The block `populate` wrote for `session`, as its profile names.
fn block_names(text: &str, session: &str) -> Vec<String> {
    let begin = format!("# BEGIN ssoenv populate sso-session={session} ");
    let end = format!("# END ssoenv populate sso-session={session}\n");
    let Some(start) = text.find(&begin) else {
        return Vec::new();
    };
    let stop = text[start..].find(&end).expect("no END line") + start;
    text[start..stop]
        .lines()
        .filter_map(|l| l.strip_prefix("[profile "))
        .map(|l| l.trim_end_matches(']').to_string())
        .collect()
}

#[test]
fn concurrent_populates_for_different_sessions_keep_every_block() {
    let sessions = ["a", "b", "c", "d"];
    let (w, config) = sessions_world(&sessions);
    for round in 1..=8 {
        w.sb.write_config(&config);
        let outs = run_together(sessions.iter().map(|s| populate_cmd(&w, s)).collect());
        for out in &outs {
            let err = assert_ok(out);
            assert!(err.contains("wrote 3 profiles"), "round {round}: {err}");
        }
        let text = read(&w);
        for session in sessions {
            assert_eq!(
                block_names(&text, session),
                [
                    format!("{session}-111111111111-AdministratorAccess"),
                    format!("{session}-111111111111-ReadOnly"),
                    format!("{session}-222222222222-ReadOnly"),
                ],
                "round {round}: the block of sso-session {session} was lost:\n{text}"
            );
        }
        assert!(text.starts_with(&config), "round {round}:\n{text}");
    }
}

#[test]
fn configure_racing_populate_keeps_both_edits() {
    let (w, config) = sessions_world(&["a", "b", "c"]);
    for round in 1..=6 {
        w.sb.write_config(&config);
        let profile = format!("configured-{round}");
        let configure = w.sb.cmd(&[
            "configure",
            "--sso-session",
            "a",
            "--account-id",
            "222222222222",
            "--profile",
            &profile,
        ]);
        let outs = run_together(vec![
            configure,
            populate_cmd(&w, "b"),
            populate_cmd(&w, "c"),
        ]);
        for out in &outs {
            assert_ok(out);
        }
        let text = read(&w);
        assert!(
            text.contains(&format!(
                "[profile {profile}]\nsso_session = a\nsso_account_id = 222222222222\n"
            )),
            "round {round}: the configured profile was lost:\n{text}"
        );
        for session in ["b", "c"] {
            assert_eq!(
                block_names(&text, session).len(),
                3,
                "round {round}: the block of sso-session {session} was lost:\n{text}"
            );
        }
    }
}

#[test]
fn configure_then_populate_keeps_the_configured_profile() {
    let w = World::new().with_browser();
    // The README's order: configure one profile (the suggested name), then populate its session.
    let configure: Vec<&str> = CONFIGURE_DEV_RO
        .iter()
        .copied()
        .filter(|a| !["--profile", "dev-ro"].contains(a))
        .collect();
    let err = assert_ok(&w.sb.run(&configure));
    assert!(
        err.contains("added [profile dev-account-ReadOnly]"),
        "{err}"
    );
    let configured = read(&w);
    let err = assert_ok(&w.sb.run(&["populate", "--sso-session", "work"]));
    let text = read(&w);
    assert!(!text.contains("-2]"), "a duplicate was written:\n{text}");
    assert!(
        err.contains(
            "kept profile \"dev-account-ReadOnly\" for 111111111111/ReadOnly (outside the \
             generated block)"
        ),
        "{err}"
    );
    assert!(
        err.contains("wrote 2 profiles for sso-session work"),
        "{err}"
    );
    assert!(text.starts_with(&configured));
    assert_eq!(
        block_names(&text, "work"),
        ["dev-account-AdministratorAccess", "prod-account-ReadOnly"]
    );
    // Again: still recognised, nothing changes.
    let err = assert_ok(&w.sb.run(&["populate", "--sso-session", "work"]));
    assert!(
        err.contains("no changes") && err.contains("kept profile \"dev-account-ReadOnly\""),
        "{err}"
    );
    assert_eq!(read(&w), text);
    let python = crate::util::python_with_botocore();
    let view = botocore_view(&python, &w, "dev-account-ReadOnly");
    assert_eq!(
        view["names"],
        serde_json::json!([
            "dev",
            "dev-account-AdministratorAccess",
            "dev-account-ReadOnly",
            "legacy",
            "prod",
            "prod-account-ReadOnly"
        ])
    );
    assert_eq!(view["profile"]["sso_session"], "work");
    assert_eq!(view["profile"]["sso_role_name"], "ReadOnly");
    assert_eq!(view["profile"]["region"], "eu-central-1");
}

/// A tmux server on its own socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f", "/dev/null"]);
        cmd
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[track_caller]
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// The screen once `done` holds for it (30 s at most).
    #[track_caller]
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, literal: &str) {
        let ok = self
            .cmd()
            .args(["send-keys", "-t", "t", "-l", literal])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn enter(&self) {
        let ok = self
            .cmd()
            .args(["send-keys", "-t", "t", "Enter"])
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        crate::util::stop_tmux(|args| {
            let mut cmd = self.cmd();
            cmd.args(args);
            cmd
        });
    }
}

#[test]
fn configure_at_a_terminal_as_a_person_would() {
    crate::util::tool("tmux");
    let w = World::new().with_browser();
    let status = w.sb.home().join("configure.status");
    let script = w.sb.home().join("run.sh");
    std::fs::write(
        &script,
        format!(
            "'{}' configure --sso-session corp\necho \"exit=$?\" > '{}'\nsleep 60\n",
            env!("CARGO_BIN_EXE_ssoenv"),
            status.display()
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: format!("ssoenv-test-{}-{}", std::process::id(), rand_suffix()),
    };
    // The pane gets the sandbox's environment (HOME, the mock's endpoints, BROWSER) and nothing else.
    let template = w.sb.cmd(&[]);
    let mut start = tmux.cmd();
    start.env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            start.env(k, v);
        }
    }
    start.env("TERM", "xterm-256color").args([
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "160",
        "-y",
        "40",
        &format!("sh '{}'", script.display()),
    ]);
    let out = start.output().unwrap();
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Signed in through the BROWSER, the picker lists both accounts.
    let screen = tmux.wait_for("Account (2; type to filter)");
    assert!(
        screen.contains("dev-account (111111111111) dev-account@example.com"),
        "{screen}"
    );
    tmux.keys("dev");
    // The fuzzy filter leaves dev-account alone under the cursor.
    tmux.wait_until("the filter to drop prod-account", |screen| {
        screen.contains("type to filter) dev")
            && screen.contains("> dev-account (111111111111)")
            && !screen.contains("prod-account")
    });
    tmux.enter();
    tmux.wait_for("Role (2)");
    tmux.keys("Read");
    tmux.wait_for("> ReadOnly");
    tmux.enter();
    // Defaults: the sso-session's region, json, the suggested name.
    tmux.wait_for("Default region for the profile");
    tmux.enter();
    tmux.wait_for("Default output format");
    tmux.enter();
    tmux.wait_for("Profile name");
    tmux.enter();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !status.exists() {
        assert!(
            Instant::now() < deadline,
            "configure did not finish:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = tmux.screen();
    assert_eq!(
        std::fs::read_to_string(&status).unwrap().trim(),
        "exit=0",
        "{screen}"
    );
    assert!(
        screen.contains("added [profile dev-account-ReadOnly]"),
        "{screen}"
    );
    assert_eq!(
        read(&w),
        format!(
            "{CONFIG}\n[profile dev-account-ReadOnly]\nsso_session = corp\n\
             sso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = us-east-1\n\
             output = json\nssoenv_account_name = dev-account\n"
        )
    );
    assert_eq!(w.mock.authorize_hits(), 1);
    let env = eval_bash(&stdout(&w.sb.run(&[
        "use",
        "dev-account-ReadOnly",
        "--shell",
        "bash",
    ])));
    assert_eq!(env["SSOENV_ACCOUNT_NAME"], "dev-account");
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

#[test]
fn populate_counts_one_of_a_kind_in_the_singular() {
    let w = World::with_mock(
        MockSso::builder()
            .interval(0)
            .account("111111111111", "solo", &["Admin"])
            .start(),
    )
    .with_browser();
    w.sb.write_config(HAND_WRITTEN);
    let err = assert_ok(&populate(&w, &[]));
    assert!(err.contains("found 1 role in 1 account in"), "{err}");
    assert!(
        err.contains("wrote 1 profile for sso-session corp"),
        "{err}"
    );
    let err = assert_ok(&populate(&w, &[]));
    assert!(
        err.contains("no changes: 1 profile for sso-session corp in")
            && err.contains("is up to date"),
        "{err}"
    );
}

/// A company's start URL alias: `/start` redirects (relatively) to `/hop`, which redirects to
/// the access portal on `*.portal.eu-west-3.app.aws`. Only the two loopback hops are requested.
fn vanity_portal() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            counted.fetch_add(1, Ordering::SeqCst);
            let target = match request.url() {
                "/start" => "/hop",
                "/hop" => "https://ssoins-7223a1b2c3d4e5f6.portal.eu-west-3.app.aws/",
                _ => {
                    let _ = request.respond(tiny_http::Response::empty(404));
                    continue;
                }
            };
            let location = tiny_http::Header::from_bytes("Location", target).unwrap();
            let _ = request.respond(tiny_http::Response::empty(302).with_header(location));
        }
    });
    (format!("{base}/start"), hits)
}

#[test]
fn configure_finds_the_region_of_a_vanity_start_url_and_warns_of_odd_names() {
    let w = World::new().with_browser();
    let (start_url, hits) = vanity_portal();
    let configure = |session: &str, extra: &[&str]| {
        let mut args = vec![
            "configure",
            "--sso-session",
            session,
            "--start-url",
            &start_url,
            "--account-id",
            "111111111111",
            "--role-name",
            "ReadOnly",
            "--profile",
        ];
        args.push(if extra.is_empty() { "vanity" } else { "pinned" });
        args.extend_from_slice(extra);
        w.sb.run(&args)
    };
    let err = assert_ok(&configure("corp!", &[]));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert!(
        err.contains("sso_region = eu-west-3, from the access portal's address"),
        "{err}"
    );
    assert!(
        err.contains("warning: [sso-session corp!]: the name holds \"!\" outside")
            && err.contains("SDKs for JavaScript and Rust")
            && err.contains("corp-"),
        "{err}"
    );
    let written = read(&w);
    assert!(
        written.contains(&format!(
            "[sso-session corp!]\nsso_start_url = {start_url}\nsso_region = eu-west-3\n"
        )),
        "{written}"
    );

    // --sso-region wins: nothing is requested, and a plain name draws no warning.
    let err = assert_ok(&configure("pinned", &["--sso-region", "us-west-2"]));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert!(!err.contains("warning"), "{err}");
    assert!(
        read(&w).contains(&format!(
            "[sso-session pinned]\nsso_start_url = {start_url}\nsso_region = us-west-2\n"
        )),
        "{}",
        read(&w)
    );
}
