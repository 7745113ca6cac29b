//! The shape of the code, checked: which top-level module may use which.
//! It reads every `crate::…` path in `src/` (the `use crate::…` lines,
//! grouped ones included, and paths written inline), outside comments and
//! outside `#[cfg(test)]` modules, and fails on a forbidden import or on any
//! import circle between top-level modules.
//!
//! The rules live in the table below. A new feature extends it (its room
//! under `app/` is covered by the `app` rule; a new adapter gets a line);
//! a rule is never loosened.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a top-level module may not import. `Only` lists everything it may.
enum Allowed {
    Only(&'static [&'static str]),
    Not(&'static [&'static str]),
}

const RULES: &[(&str, Allowed)] = &[
    // Pure types and projections: nothing but themselves.
    ("domain", Allowed::Only(&["domain"])),
    // The core: pure, so none of the I/O layers, the terminal or the config.
    (
        "app",
        Allowed::Not(&[
            "faults", "journal", "runtime", "sources", "ui", "config", "spec", "plans", "ctk",
            "timeline", "report",
        ]),
    ),
    // Drawing reads the state; it never reaches the I/O layers.
    (
        "ui",
        Allowed::Not(&[
            "runtime", "journal", "faults", "sources", "config", "plans", "ctk", "timeline",
            "report",
        ]),
    ),
    // The file loader knows files and the domain, nothing that runs.
    ("spec", Allowed::Only(&["spec", "domain"])),
    // Themes are data.
    ("theme", Allowed::Only(&["theme"])),
    // The journal stores domain events; it knows nothing of who writes them.
    ("journal", Allowed::Only(&["journal", "domain"])),
    // Settings are read by everyone and depend on no one that reads them.
    (
        "config",
        Allowed::Not(&["app", "ui", "runtime", "journal", "faults"]),
    ),
    // Adapters talk to the core through its messages; none drives another
    // adapter or the runtime.
    (
        "sources",
        Allowed::Not(&["runtime", "ui", "faults", "config"]),
    ),
    ("faults", Allowed::Not(&["runtime", "ui", "sources"])),
    // Plans' I/O half runs steps and writes the journal; it uses the
    // faults executor for inject steps, never the console (app), the
    // runtime, the screen or the sources.
    ("plans", Allowed::Not(&["runtime", "ui", "sources", "app"])),
    // Chaos Toolkit experiments run from the command line: activities and
    // the journal, never the console, the runtime, the screen or sources.
    ("ctk", Allowed::Not(&["runtime", "ui", "sources", "app"])),
    // The timeline on the command line reads the journal into domain lanes.
    (
        "timeline",
        Allowed::Only(&["timeline", "domain", "journal"]),
    ),
    // Reports read the journal (and scenario and plan files) into
    // documents; they run nothing and draw no screen.
    (
        "report",
        Allowed::Only(&["report", "domain", "journal", "spec"]),
    ),
];

/// `src/` files: (top-level module, path).
fn files() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    walk(&src, &mut all);
    all.sort();
    all.into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).ok()?.to_path_buf();
            let first = rel.components().next()?.as_os_str().to_str()?.to_string();
            let top = first.trim_end_matches(".rs").to_string();
            // The crate root and the binary use `cocpit::`, not `crate::`.
            (top != "lib" && top != "main").then_some((top, p))
        })
        .collect()
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod "))
        {
            break;
        }
        let without_comment = match t.find("//") {
            Some(0) => "",
            // `//` inside a string (a URL) is not a comment; a comment after
            // code is rare in `use` lines, so cut only at a `//` after space.
            Some(_) => line.split(" // ").next().unwrap_or(line),
            None => line,
        };
        out.push_str(without_comment);
        out.push('\n');
    }
    out
}

/// Top-level modules a piece of code names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // Not part of a longer identifier (`cocpit_crate::`).
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::x, b, c::{y, z}}`: every first segment at depth 0.
            let mut depth = 0;
            let mut segment_start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => segment_start = true,
                    c if segment_start && (c.is_alphanumeric() || c == '_') => word.push(c),
                    _ if segment_start && !word.is_empty() => {
                        out.insert(std::mem::take(&mut word));
                        segment_start = false;
                    }
                    _ => {}
                }
            }
            if !word.is_empty() {
                out.insert(word);
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// Which top-level module imports which, and from where.
fn graph() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut g: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (top, path) in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let entry = g.entry(top.clone()).or_default();
        for dep in imports(&code(&text)) {
            if dep != top {
                entry
                    .entry(dep)
                    .or_default()
                    .push(path.display().to_string());
            }
        }
    }
    g
}

#[test]
fn every_module_keeps_to_its_rule() {
    let g = graph();
    let mut broken = Vec::new();
    for (module, allowed) in RULES {
        let Some(deps) = g.get(*module) else {
            continue;
        };
        for (dep, files) in deps {
            let ok = match allowed {
                Allowed::Only(list) => list.contains(&dep.as_str()),
                Allowed::Not(list) => !list.contains(&dep.as_str()),
            };
            if !ok {
                broken.push(format!("{module} imports {dep} in {files:?}"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let g = graph();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut circle = path[at..].to_vec();
            circle.push(n.to_string());
            return Some(circle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for dep in g.get(n).into_iter().flat_map(|d| d.keys()) {
            if let Some(c) = visit(dep, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        if let Some(circle) = visit(n, &g, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" -> "));
        }
    }
}

#[test]
fn every_top_level_module_has_a_rule_or_is_the_runtime() {
    let named: BTreeSet<&str> = RULES.iter().map(|(m, _)| *m).collect();
    let missing: Vec<String> = graph()
        .into_keys()
        .filter(|m| m != "runtime" && !named.contains(m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "add a rule for {missing:?} to the table at the top of tests/architecture.rs"
    );
}

#[test]
fn the_reader_sees_grouped_and_inline_paths_and_skips_comments_and_tests() {
    let text = "use crate::{app::Msg, domain::{a, b}, theme};\n\
                // use crate::runtime::x;\n\
                fn f() { let _ = crate::journal::Journal::open; }\n\
                #[cfg(test)]\nmod tests {\n use crate::ui::render;\n}\n";
    let found = imports(&code(text));
    let want: BTreeSet<String> = ["app", "domain", "theme", "journal"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, want);
}
