//! Failure-mode files (`docs/RISK.md`): one mode per file, or several
//! under a top-level `modes:`, many files per directory, loaded like plans
//! and scenarios (every problem as `file:line:column: message`, a broken
//! file never hides the others). Plan and scenario ids are checked against
//! the catalogs when they are known.

use super::{Doc, SpecError};
use crate::domain::risk::validate::{self, Known};
use crate::domain::risk::{FailureMode, ModeFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The starter library (`fixtures/failure-modes/`), embedded.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "shop.yaml",
        include_str!("../../fixtures/failure-modes/shop.yaml"),
    ),
    (
        "ecs-host.yaml",
        include_str!("../../fixtures/failure-modes/ecs-host.yaml"),
    ),
    (
        "kubernetes.yaml",
        include_str!("../../fixtures/failure-modes/kubernetes.yaml"),
    ),
    (
        "data.yaml",
        include_str!("../../fixtures/failure-modes/data.yaml"),
    ),
    (
        "messaging-network.yaml",
        include_str!("../../fixtures/failure-modes/messaging-network.yaml"),
    ),
    (
        "jvm-dr.yaml",
        include_str!("../../fixtures/failure-modes/jvm-dr.yaml"),
    ),
];

/// Whether a YAML text is a failure-mode file: a top-level key no plan or
/// scenario has.
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_end() == "modes:" || l.starts_with("category:"))
}

/// A mode and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub mode: FailureMode,
    /// `embedded:NAME` or the file's path.
    pub origin: String,
}

/// Parse and validate one file's text; every problem found.
pub fn parse(file: &str, text: &str, known: Known<'_>) -> Result<Vec<FailureMode>, Vec<SpecError>> {
    let doc = Doc { file, text };
    if text.trim().is_empty() {
        return Err(vec![doc.invalid(&[], "empty failure-mode file".into())]);
    }
    let modes = if text.lines().any(|l| l.trim_end() == "modes:") {
        let f: ModeFile = doc.parse().map_err(|e| vec![e])?;
        f.modes
    } else {
        vec![doc.parse::<FailureMode>().map_err(|e| vec![e])?]
    };
    if modes.is_empty() {
        return Err(vec![
            doc.invalid(&["modes"], "no failure mode under `modes:`".into()),
        ]);
    }
    let problems = modes
        .iter()
        .flat_map(|m| validate::validate(m, known))
        .collect();
    let mut errors = super::locate(&doc, problems);
    let mut ids: BTreeMap<&str, ()> = BTreeMap::new();
    for m in &modes {
        if !m.id.is_empty() && ids.insert(&m.id, ()).is_some() {
            errors.push(doc.invalid(
                &[&m.id, &m.id],
                format!("failure mode id {:?} is used twice in this file", m.id),
            ));
        }
    }
    if errors.is_empty() {
        Ok(modes)
    } else {
        Err(errors)
    }
}

pub fn load_file(path: &Path, known: Known<'_>) -> Result<Vec<FailureMode>, Vec<SpecError>> {
    let file = super::read(path, false).map_err(|e| vec![e])?;
    parse(&file.display, file.text.as_deref().unwrap_or(""), known)
}

/// Every mode: the embedded ones (when `embedded`), then the directories'
/// files; a later mode with an id already taken is refused.
#[derive(Debug, Default)]
pub struct Catalog {
    pub modes: BTreeMap<String, Loaded>,
    pub errors: Vec<SpecError>,
}

pub fn load_all(dirs: &[PathBuf], embedded: bool, known: Known<'_>) -> Catalog {
    let mut cat = Catalog::default();
    let mut unread = Vec::new();
    super::each_source(
        EMBEDDED,
        super::plans::YAML,
        embedded,
        dirs,
        &mut unread,
        |origin, text| match parse(origin, text, known) {
            Ok(modes) => {
                for m in modes {
                    cat.add(m, origin, text);
                }
            }
            Err(mut e) => cat.errors.append(&mut e),
        },
    );
    cat.errors.append(&mut unread);
    cat
}

impl Catalog {
    fn add(&mut self, m: FailureMode, origin: &str, text: &str) {
        if let Some(first) = self.modes.get(&m.id) {
            let doc = Doc { file: origin, text };
            self.errors.push(doc.invalid(
                &[&m.id],
                format!(
                    "failure mode id {:?} is already used by {}",
                    m.id, first.origin
                ),
            ));
            return;
        }
        self.modes.insert(
            m.id.clone(),
            Loaded {
                mode: m,
                origin: origin.to_string(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::risk::Category;
    use std::collections::BTreeSet;

    fn demo_ids() -> (
        BTreeSet<String>,
        BTreeSet<String>,
        Vec<crate::domain::drill::Scenario>,
    ) {
        let providers = crate::domain::fault::catalog::names();
        let plans: BTreeSet<String> = super::super::plans::load_all(&[], true, &providers)
            .plans
            .into_keys()
            .collect();
        let drills = super::super::drills::load_all(&[], true, &providers);
        let ids = drills
            .scenarios
            .keys()
            .chain(drills.experiments.keys())
            .cloned()
            .collect();
        let scenarios = drills.scenarios.into_values().map(|l| l.scenario).collect();
        (plans, ids, scenarios)
    }

    #[test]
    fn the_starter_library_loads_and_covers_every_category() {
        let (plans, drills, scenarios) = demo_ids();
        let cat = load_all(
            &[],
            true,
            Known {
                plans: Some(&plans),
                drills: Some(&drills),
            },
        );
        let errors: Vec<String> = cat.errors.iter().map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(cat.modes.len() >= 40, "{} modes", cat.modes.len());
        for c in Category::ALL {
            assert!(
                cat.modes.values().any(|l| l.mode.category == c),
                "no mode of category {c:?}"
            );
        }
        for m in cat.modes.values().map(|l| &l.mode) {
            assert!(
                !m.conditions.is_empty() && !m.symptoms.is_empty(),
                "{}",
                m.id
            );
            assert!(!m.impact.is_empty(), "{}", m.id);
        }
        // Every demo scenario's failure mode exists and links back to the
        // scenario and to the scenario's plan.
        for s in &scenarios {
            let Some(id) = &s.failure_mode else { continue };
            let m = &cat
                .modes
                .get(id)
                .unwrap_or_else(|| panic!("no mode {id}"))
                .mode;
            assert!(m.drills.contains(&s.id), "{id} does not list {}", s.id);
            if let Some(p) = &s.plan {
                assert_eq!(m.plan.as_ref(), Some(&p.id), "{id}");
            }
            assert!(m.plan.is_some(), "{id} has no plan");
        }
        // The common cloud components are there.
        for c in [
            "ecs-host",
            "kubernetes-workload",
            "redis",
            "rds-postgresql",
            "message-queue",
            "load-balancer",
            "dns",
            "jvm-application",
            "object-storage",
        ] {
            assert!(cat.modes.values().any(|l| l.mode.component == c), "{c}");
        }
    }

    #[test]
    fn errors_say_where() {
        let plans = BTreeSet::from(["p".to_string()]);
        let known = Known {
            plans: Some(&plans),
            drills: None,
        };
        let text = "modes:\n  - id: a-mode\n    application: shop\n    component: c\n    category: node\n    conditions: [x]\n    symptoms: [y]\n    severity: 11\n    occurrence: 1\n    detection: 1\n    plan: nope\n";
        let e: Vec<String> = parse("f.yaml", text, known)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(
            e[0].starts_with("f.yaml:8:5: ") && e[0].contains("severity 11"),
            "{e:#?}"
        );
        assert!(
            e[1].starts_with("f.yaml:11:11: ") && e[1].contains("no plan \"nope\""),
            "{e:#?}"
        );
        let bad = "id: x\ncategory: cloud\n";
        let e = parse("g.yaml", bad, known).unwrap_err();
        assert!(e[0].to_string().starts_with("g.yaml:2:"), "{}", e[0]);
        assert!(looks_like(bad) && looks_like(text));
        let unknown = "id: x\ncategory: node\nseverty: 3\n";
        let e = parse("h.yaml", unknown, known).unwrap_err();
        assert!(e[0].to_string().starts_with("h.yaml:3:1: "), "{}", e[0]);
    }

    #[test]
    fn a_taken_id_is_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("dup.yaml"),
            "id: inventory-crash-loop\napplication: a\ncomponent: c\ncategory: node\nconditions: [x]\nsymptoms: [y]\nseverity: 1\noccurrence: 1\ndetection: 1\n",
        )
        .unwrap();
        let cat = load_all(&[d.path().to_path_buf()], true, Known::default());
        let errors: Vec<String> = cat.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains("already used by embedded:shop.yaml"),
            "{errors:#?}"
        );
    }
}
