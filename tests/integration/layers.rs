//! The layers of ARCHITECTURE.md hold: no two modules of src/ depend on each other, even through
//! others, and no domain module reaches into `commands`. Read from the source text (every
//! `crate::x` and `super::x` outside the unit tests), so a new edge that closes a cycle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file's module as a node: `auth`, `sso::http`, `commands::use_`, `login` (with its children).
fn node(rel: &str) -> String {
    let path = rel.trim_end_matches(".rs").trim_end_matches("/mod");
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [top @ ("commands" | "sso"), child, ..] => format!("{top}::{child}"),
        [first, ..] => (*first).to_string(),
        [] => String::new(),
    }
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).expect("read")));
        }
    }
}

/// Each module's dependencies on other modules of the crate.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    let nodes: BTreeSet<String> = files.iter().map(|(rel, _)| node(rel)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in &files {
        let from = node(rel);
        if from == "main" || from == "lib" {
            continue;
        }
        // Unit tests may reach anywhere.
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let parent = from.split_once("::").map(|(p, _)| p);
        for (prefix, base) in [("crate::", None), ("super::", parent)] {
            for (at, _) in text.match_indices(prefix) {
                let rest = &text[at + prefix.len()..];
                let mut words = rest
                    .split("::")
                    .map(|w| w.split(|c: char| !c.is_alphanumeric() && c != '_').next());
                let first = words.next().flatten().unwrap_or_default();
                let second = words.next().flatten().unwrap_or_default();
                let to = match base {
                    Some(parent) => format!("{parent}::{first}"),
                    None if nodes.contains(&format!("{first}::{second}")) => {
                        format!("{first}::{second}")
                    }
                    None => first.to_string(),
                };
                if nodes.contains(&to) && to != from {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    graph
}

/// Everything `start` reaches.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_string()];
    while let Some(n) = todo.pop() {
        for next in graph.get(&n).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let graph = graph();
    assert!(graph.len() > 20, "the source was not read: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter(|n| reach(&graph, n).contains(*n))
        .cloned()
        .collect();
    assert!(cycles.is_empty(), "modules in a cycle: {cycles:?}");
}

#[test]
fn the_domain_never_reaches_into_commands() {
    let graph = graph();
    let up: Vec<String> = graph
        .iter()
        .filter(|(from, _)| !from.starts_with("commands"))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| t.starts_with("commands"))
                .map(move |t| format!("{from} -> {t}"))
        })
        .collect();
    assert!(up.is_empty(), "{up:?}");
}
