//! The block `populate` owns in the config file, one per sso-session between two marker
//! comments, and the pure plan that rewrites it from a listing: which profiles to add, change,
//! keep or prune, under which names. [`apply`] runs that plan under `config_edit`'s lock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::config::{ACCOUNT_NAME_KEY, SectionName};
use crate::config_edit::{self, ConfigFile, Plan};
use crate::discovery::LiveRole;
use crate::error::{Error, Result};
use crate::naming::{Template, free_name};

pub fn begin_marker(session: &str) -> String {
    format!("# BEGIN ssoenv populate sso-session={session}")
}

fn begin_line(session: &str) -> String {
    format!(
        "{} (do not edit; rerun ssoenv populate)",
        begin_marker(session)
    )
}

pub fn end_marker(session: &str) -> String {
    format!("# END ssoenv populate sso-session={session}")
}

/// One profile of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    account_id: String,
    role_name: String,
    region: Option<String>,
    account_name: Option<String>,
}

impl Entry {
    fn key(&self) -> (String, String) {
        (self.account_id.clone(), self.role_name.clone())
    }

    fn lines(&self, session: &str) -> Vec<String> {
        config_edit::SsoProfileText {
            name: &self.name,
            session,
            account_id: &self.account_id,
            role_name: &self.role_name,
            region: self.region.as_deref(),
            output: None,
            account_name: self.account_name.as_deref(),
        }
        .lines()
    }
}

/// Refuses a block for `session` in the file at `path` that cannot be edited (unfinished or
/// repeated), before anything else is done.
pub fn check_block(path: &Path, session: &str) -> Result<()> {
    let file = ConfigFile::read(path)?;
    config_edit::find_block(&file.text, &begin_marker(session), &end_marker(session))
        .map(drop)
        .map_err(|why| block_error(path, why))
}

/// Plans the block on the file as it is now, under the edit lock (the listing may have taken
/// minutes, and no other ssoenv replaces the file in between), and writes it unless `dry_run` or
/// nothing changed.
pub fn apply(
    path: &Path,
    session: &str,
    live: &[LiveRole],
    template: &Template,
    region: Option<&str>,
    prune: bool,
    dry_run: bool,
) -> Result<Plan<Edit>> {
    config_edit::edit(path, |file| {
        let edit = plan_edit(&file.text, session, live, template, region, prune)
            .map_err(|why| block_error(path, why))?;
        Ok(if dry_run || edit.text == file.text {
            Plan::Keep(edit)
        } else {
            Plan::Write(edit.text.clone(), edit)
        })
    })
}

fn block_error(path: &Path, why: String) -> Error {
    Error::new(path.display().to_string(), why).with_hint(
        "fix or remove the ssoenv populate block by hand, then run ssoenv populate again",
    )
}

/// What `populate` would do to the file.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The whole new file.
    pub text: String,
    /// `+ [profile x]`, `- [profile y]`, `~ [profile z]` (changed), sorted by name.
    pub diff: Vec<String>,
    pub profiles: usize,
    pub kept_stale: usize,
    /// Names that had to take a suffix, said on stderr.
    pub notes: Vec<String>,
}

impl Edit {
    pub fn summary(&self) -> String {
        let count = |c: char| self.diff.iter().filter(|l| l.starts_with(c)).count();
        let (added, removed, changed) = (count('+'), count('-'), count('~'));
        if added + removed + changed == 0 {
            return "no changes".into();
        }
        format!("{added} added, {removed} removed, {changed} changed")
    }
}

/// The new text of the file: the block for `session` replaced (or appended) with a profile for
/// every live role; profiles of roles that went away stay unless `prune`. Names are the template's,
/// sanitised; a name already used outside the block, or by an earlier role in (account id, role)
/// order, takes the first free suffix `-2`, `-3`, ... Without `region`, a profile keeps the region
/// it had. A role that a profile outside the block already is (this sso-session, account and role,
/// as `configure` writes it) gets no second profile, unless the block has one for it already.
pub fn plan_edit(
    text: &str,
    session: &str,
    live: &[LiveRole],
    template: &Template,
    region: Option<&str>,
    prune: bool,
) -> Result<Edit, String> {
    let block = config_edit::find_block(text, &begin_marker(session), &end_marker(session))?;
    let old = match &block {
        Some(block) => read_block(&text[block.inner.clone()])?,
        None => Vec::new(),
    };
    let outside: HashSet<String> = config_edit::sections(text)
        .into_iter()
        // Outside: the header is (a stray key after END still belongs to a block profile).
        .filter(|(_, range)| {
            block
                .as_ref()
                .is_none_or(|b| !b.range.contains(&range.start))
        })
        .filter_map(|(name, _)| match name {
            SectionName::Profile(n) => Some(n),
            _ => None,
        })
        .collect();
    let old_by_key: HashMap<(String, String), &Entry> = old.iter().map(|e| (e.key(), e)).collect();
    let outside_roles = roles_outside(text, session, block.as_ref());

    let mut live: Vec<&LiveRole> = live.iter().collect();
    live.sort_by(|a, b| (&a.account_id, &a.role_name).cmp(&(&b.account_id, &b.role_name)));
    live.dedup_by(|a, b| a.account_id == b.account_id && a.role_name == b.role_name);
    let mut taken = outside.clone();
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for role in &live {
        let account_id = config_edit::one_line_value(&role.account_id);
        let role_name = config_edit::one_line_value(&role.role_name);
        let account_name = config_edit::one_line_value(&role.account_name);
        let key = (account_id.clone(), role_name.clone());
        if !old_by_key.contains_key(&key)
            && let Some(kept) = outside_roles.get(&key)
        {
            notes.push(format!(
                "kept profile \"{kept}\" for {account_id}/{role_name} (outside the generated block)"
            ));
            continue;
        }
        let base = template.name_for(&account_name, &account_id, &role_name);
        let name = free_name(&base, |n| taken.contains(n));
        if name != base {
            let by = if outside.contains(&base) {
                "a profile outside the ssoenv block"
            } else {
                "another role"
            };
            notes.push(format!(
                "profile name {base} is taken by {by}; role {role_name} in account {account_id} \
                 is named {name}"
            ));
        }
        taken.insert(name.clone());
        let previous = old_by_key.get(&key);
        entries.push(Entry {
            name,
            region: region
                .map(str::to_string)
                .or_else(|| previous.and_then(|p| p.region.clone())),
            account_name: (!account_name.is_empty()).then_some(account_name),
            account_id,
            role_name,
        });
    }
    let live_keys: HashSet<(String, String)> = entries.iter().map(Entry::key).collect();
    let mut kept_stale = 0;
    if !prune {
        for entry in old.iter().filter(|e| !live_keys.contains(&e.key())) {
            let name = free_name(&entry.name, |n| taken.contains(n));
            taken.insert(name.clone());
            kept_stale += 1;
            entries.push(Entry {
                name,
                ..entry.clone()
            });
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    let old_lines: BTreeMap<&str, Vec<String>> = old
        .iter()
        .map(|e| (e.name.as_str(), e.lines(session)))
        .collect();
    let new_lines: BTreeMap<&str, Vec<String>> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.lines(session)))
        .collect();
    let mut names: Vec<&str> = old_lines.keys().chain(new_lines.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    let mut diff = Vec::new();
    for name in names {
        let header = config_edit::profile_header(name);
        match (old_lines.get(name), new_lines.get(name)) {
            (None, Some(_)) => diff.push(format!("+ {header}")),
            (Some(_), None) => diff.push(format!("- {header}")),
            (Some(a), Some(b)) if a != b => diff.push(format!("~ {header}")),
            _ => {}
        }
    }

    let mut lines = vec![begin_line(session)];
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.extend(entry.lines(session));
    }
    lines.push(end_marker(session));
    let new_text = match &block {
        Some(block) => config_edit::replace(text, block.range.clone(), &lines),
        None if entries.is_empty() => text.to_string(),
        None => config_edit::append(text, &lines),
    };
    Ok(Edit {
        text: new_text,
        diff,
        profiles: entries.len(),
        kept_stale,
        notes,
    })
}

/// The profiles outside `block` that are roles of `session`, by (account id, role): the first of
/// each, in file order. A profile that also has `role_arn` is not that role (botocore assumes the
/// role it names).
fn roles_outside(
    text: &str,
    session: &str,
    block: Option<&config_edit::Block>,
) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for (name, range) in config_edit::sections(text) {
        let SectionName::Profile(name) = name else {
            continue;
        };
        if block.is_some_and(|b| b.range.contains(&range.start)) {
            continue;
        }
        // One section at a time: a section the AWS CLI could not read is simply not recognised.
        let Ok(parsed) = crate::ini::parse(&text[range]) else {
            continue;
        };
        let Some(section) = parsed.first() else {
            continue;
        };
        let get = |key: &str| section.get(key).and_then(|v| v.as_text());
        if get("sso_session") == Some(session)
            && get("role_arn").is_none()
            && let (Some(account_id), Some(role_name)) =
                (get("sso_account_id"), get("sso_role_name"))
        {
            out.entry((account_id.to_string(), role_name.to_string()))
                .or_insert(name);
        }
    }
    out
}

/// The profiles of an existing block.
fn read_block(inner: &str) -> Result<Vec<Entry>, String> {
    let sections = crate::ini::parse(inner).map_err(|err| {
        format!(
            "the ssoenv populate block cannot be read ({}); was it edited?",
            err.message
        )
    })?;
    let mut out = Vec::new();
    for section in sections {
        let SectionName::Profile(name) = SectionName::of(&section.name) else {
            continue;
        };
        let get = |key: &str| {
            section
                .get(key)
                .and_then(|v| v.as_text())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        out.push(Entry {
            name,
            account_id: get("sso_account_id").unwrap_or_default(),
            role_name: get("sso_role_name").unwrap_or_default(),
            region: get("region"),
            account_name: get(ACCOUNT_NAME_KEY),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, role: &str) -> LiveRole {
        LiveRole {
            account_id: id.into(),
            account_name: name.into(),
            role_name: role.into(),
        }
    }

    fn template() -> Template {
        Template::default()
    }

    #[test]
    fn writes_a_sorted_block_and_is_idempotent() {
        let live = [
            role("2", "b", "Z"),
            role("1", "a", "Admin"),
            role("1", "a", "Read"),
        ];
        let text = "# mine\n[profile keep]\nregion = x\n";
        let edit = plan_edit(text, "corp", &live, &template(), Some("eu-west-1"), false).unwrap();
        assert_eq!(
            edit.text,
            "# mine\n[profile keep]\nregion = x\n\n\
             # BEGIN ssoenv populate sso-session=corp (do not edit; rerun ssoenv populate)\n\
             [profile a-Admin]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n\
             region = eu-west-1\nssoenv_account_name = a\n\n\
             [profile a-Read]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Read\n\
             region = eu-west-1\nssoenv_account_name = a\n\n\
             [profile b-Z]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = Z\n\
             region = eu-west-1\nssoenv_account_name = b\n\
             # END ssoenv populate sso-session=corp\n"
        );
        assert_eq!(edit.diff.len(), 3);
        assert!(edit.diff.iter().all(|l| l.starts_with("+ [profile ")));
        // Again, without --region: the regions stay; nothing changes.
        let again = plan_edit(&edit.text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(again.text, edit.text);
        assert!(again.diff.is_empty());
        assert_eq!(again.summary(), "no changes");
    }

    #[test]
    fn collisions_take_suffixes_in_account_order() {
        let live = [
            role("3", "a b", "R"),
            role("1", "a-b", "R"),
            role("2", "a/b", "R"),
        ];
        let text = "[profile a-b-R]\n[profile a-b-R-3]\n";
        let edit = plan_edit(text, "s", &live, &template(), None, false).unwrap();
        let config = crate::ini::parse(&edit.text).unwrap();
        let by_name: HashMap<String, String> = config
            .iter()
            .filter_map(|s| {
                let id = s.get("sso_account_id")?.as_text()?.to_string();
                Some((s.name.clone(), id))
            })
            .collect();
        assert_eq!(by_name["profile a-b-R-2"], "1");
        assert_eq!(by_name["profile a-b-R-4"], "2");
        assert_eq!(by_name["profile a-b-R-5"], "3");
        assert_eq!(edit.notes.len(), 3);
        assert!(edit.notes[0].contains("outside"), "{:?}", edit.notes);
    }

    #[test]
    fn stale_profiles_stay_unless_pruned() {
        let both = [role("1", "a", "R"), role("2", "b", "R")];
        let first = plan_edit("", "s", &both, &template(), None, false).unwrap();
        let one = [role("1", "a", "R")];
        let kept = plan_edit(&first.text, "s", &one, &template(), None, false).unwrap();
        assert_eq!(kept.text, first.text);
        assert_eq!(kept.kept_stale, 1);
        let pruned = plan_edit(&first.text, "s", &one, &template(), None, true).unwrap();
        assert_eq!(pruned.diff, ["- [profile b-R]"]);
        assert!(!pruned.text.contains("b-R"));
        assert!(pruned.text.contains("[profile a-R]"));
    }

    #[test]
    fn only_the_block_changes() {
        let live = [role("1", "a", "R")];
        let first = plan_edit("[x]\r\nk = 1\r\n", "s", &live, &template(), None, false).unwrap();
        assert!(first.text.contains("\r\n# BEGIN"));
        assert!(!first.text.replace("\r\n", "").contains('\n'));
        let around = format!("; before\r\n{}[profile after]\r\nk = 2", first.text);
        let renamed = [role("1", "renamed", "R")];
        let edit = plan_edit(&around, "s", &renamed, &template(), None, false).unwrap();
        let block = config_edit::find_block(&edit.text, &begin_marker("s"), &end_marker("s"))
            .unwrap()
            .unwrap();
        let old_block = config_edit::find_block(&around, &begin_marker("s"), &end_marker("s"))
            .unwrap()
            .unwrap();
        assert_eq!(
            &edit.text[..block.range.start],
            &around[..old_block.range.start]
        );
        assert_eq!(
            &edit.text[block.range.end..],
            &around[old_block.range.end..]
        );
        assert_eq!(edit.diff, ["- [profile a-R]", "+ [profile renamed-R]"]);
    }

    #[test]
    fn a_role_a_profile_outside_the_block_already_is_gets_no_second_profile() {
        let live = [
            role("1", "a", "R"),
            role("1", "a", "Admin"),
            role("2", "b", "R"),
        ];
        let text = "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile dev-again]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile other-session]\nsso_session = else\nsso_account_id = 1\n\
                    sso_role_name = Admin\n\
                    [profile chained]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\n\
                    role_arn = arn:aws:iam::3:role/x\n";
        let edit = plan_edit(text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(
            edit.notes,
            ["kept profile \"dev\" for 1/R (outside the generated block)"]
        );
        assert_eq!(edit.diff, ["+ [profile a-Admin]", "+ [profile b-R]"]);
        assert_eq!(edit.profiles, 2);
        // Idempotent: the outside profile is recognised again, and nothing changes.
        let again = plan_edit(&edit.text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(again.text, edit.text);
        assert_eq!(again.notes, edit.notes);

        // A role the block already holds keeps its generated profile: no name disappears.
        let first = plan_edit("", "corp", &live, &template(), None, false).unwrap();
        let around = format!("{text}\n{}", first.text);
        let kept = plan_edit(&around, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(kept.text, around);
        assert!(kept.notes.is_empty(), "{:?}", kept.notes);
    }
}
