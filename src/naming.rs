//! How profiles are named: `populate`'s template, `configure`'s suggestion, the characters a
//! suggested name keeps, and the one rule for a free name when the wanted one is taken.

use crate::error::{Error, Result};

/// A profile name template: `{account_name}`, `{account_id}`, `{role_name}`; `{{` and `}}` are
/// literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    AccountName,
    AccountId,
    RoleName,
}

impl Template {
    pub fn parse(template: &str) -> Result<Template> {
        let bad = |why: String| {
            Error::usage("--template", why).with_hint(
                "use {account_name}, {account_id} and {role_name}, e.g. {account_name}-{role_name}",
            )
        };
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("{{") {
                text.push('{');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("}}") {
                text.push('}');
                rest = after;
            } else if c == '{' {
                let Some(end) = rest.find('}') else {
                    return Err(bad(format!("`{rest}` has no closing }}")));
                };
                let part = match &rest[1..end] {
                    "account_name" => Part::AccountName,
                    "account_id" => Part::AccountId,
                    "role_name" => Part::RoleName,
                    other => return Err(bad(format!("{{{other}}} is not a placeholder"))),
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
                rest = &rest[end + 1..];
            } else if c == '}' {
                return Err(bad("a lone } (write }} for a brace)".into()));
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        if !parts
            .iter()
            .any(|p| matches!(p, Part::AccountName | Part::AccountId))
        {
            return Err(bad(
                "the template names no account, so every account would get the same names".into(),
            ));
        }
        Ok(Template(parts))
    }

    /// The profile name for one role: the template filled in and sanitised; when nothing is left,
    /// `{account_id}-{role_name}`.
    pub fn name_for(&self, account_name: &str, account_id: &str, role_name: &str) -> String {
        let mut raw = String::new();
        for part in &self.0 {
            raw.push_str(match part {
                Part::Text(t) => t,
                Part::AccountName => account_name,
                Part::AccountId => account_id,
                Part::RoleName => role_name,
            });
        }
        let name = sanitize_name(&raw);
        if name.is_empty() {
            sanitize_name(&format!("{account_id}-{role_name}"))
        } else {
            name
        }
    }
}

impl Default for Template {
    /// `{account_name}-{role_name}`: `populate`'s default, and the shape of `configure`'s
    /// suggestion.
    fn default() -> Template {
        Template(vec![
            Part::AccountName,
            Part::Text("-".into()),
            Part::RoleName,
        ])
    }
}

/// The name `configure` suggests for one role: the default template, but never the bare role
/// name (one profile, read later without its account, must say which account it is): then
/// `{account_id}-{role_name}`.
pub fn suggested_name(account_name: &str, account_id: &str, role_name: &str) -> String {
    let name = Template::default().name_for(account_name, account_id, role_name);
    if name == sanitize_name(role_name) {
        sanitize_name(&format!("{account_id}-{role_name}"))
    } else {
        name
    }
}

/// `base` when it is free, else the first free `base-2`, `base-3`, ...
pub fn free_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(name))
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let t = Template::parse("{account_id}_{role_name}{{x}}").unwrap();
        assert_eq!(t.name_for("n", "1", "R"), "1_R-x");
        assert_eq!(
            Template::default().name_for("My Acct", "1", "Admin"),
            "My-Acct-Admin"
        );
        assert_eq!(Template::default().name_for("ää", "1", "ää"), "1");
        assert_eq!(
            Template::parse("{account_name}-{role_name}").unwrap(),
            Template::default()
        );
        assert!(Template::parse("{acount_name}").is_err());
        assert!(Template::parse("{role_name}").is_err());
        assert!(Template::parse("{account_id").is_err());
        assert!(Template::parse("a}b{account_id}").is_err());
    }

    #[test]
    fn suggests_names_from_account_and_role() {
        assert_eq!(
            suggested_name("Dev Account", "111111111111", "AdministratorAccess"),
            "Dev-Account-AdministratorAccess"
        );
        assert_eq!(
            suggested_name("", "111111111111", "ReadOnly"),
            "111111111111-ReadOnly"
        );
        assert_eq!(suggested_name("ää", "1", "R"), "1-R");
        // The template alone keeps the role name; a suggestion never stops at it.
        assert_eq!(Template::default().name_for("ää", "1", "R"), "R");
    }

    #[test]
    fn free_names_take_the_first_free_suffix() {
        let taken = |n: &str| ["a", "a-2", "a-4"].contains(&n);
        assert_eq!(free_name("b", taken), "b");
        assert_eq!(free_name("a", taken), "a-3");
        assert_eq!(free_name("a-4", taken), "a-4-2");
    }

    #[test]
    fn sanitizes_names() {
        assert_eq!(sanitize_name("My Account/Admin"), "My-Account-Admin");
        assert_eq!(sanitize_name("--a  b--"), "a-b");
        assert_eq!(sanitize_name("a--b"), "a-b");
        assert_eq!(sanitize_name("dev.acct_1-Role"), "dev.acct_1-Role");
        assert_eq!(sanitize_name("Ünïcødé"), "n-c-d");
        assert_eq!(sanitize_name("ääà"), "");
    }
}
