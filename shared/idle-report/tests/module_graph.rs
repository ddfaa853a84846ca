//! No import circle among the crate's modules: each module's `crate::…`
//! references form a graph that must have no cycle (lib.rs, which only
//! declares and re-exports, is left out). `cargo test -p
//! vpcwarden-idle-report --test module_graph -- --nocapture` prints the graph.

use std::collections::{BTreeMap, BTreeSet};

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut uses = BTreeSet::new();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` groups are not used here; a capitalised name is a re-export.
            if !module.is_empty()
                && module.chars().next().unwrap().is_ascii_lowercase()
                && module != name
            {
                uses.insert(module);
            }
        }
        modules.insert(name, uses);
    }
    modules
}

fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_import_each_other_without_a_circle() {
    let g = graph();
    for (m, uses) in &g {
        println!(
            "{m} -> {}",
            uses.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    assert!(
        g.contains_key("job") && g["job"].contains("error"),
        "the graph was read: {g:?}"
    );
    assert_eq!(
        cycle(&g),
        None,
        "modules that import each other in a circle"
    );
    // The check finds a circle when there is one.
    let mut circular = g.clone();
    circular.get_mut("error").unwrap().insert("job".into());
    assert!(cycle(&circular).is_some());
}
