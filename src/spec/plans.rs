//! Plan files: one plan per YAML file, many per directory. Loading reports
//! every problem of a file as `file:line:column: message` (the shape
//! `cocpit check` prints), and a directory load keeps going past broken
//! files so one typo does not hide every other plan.

use super::{Doc, SpecError};
use crate::domain::plan::validate::{self, Providers};
use crate::domain::plan::{Plan, StepType};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The plans embedded for the demo (`fixtures/plans/`).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "restart-inventory.yaml",
        include_str!("../../fixtures/plans/restart-inventory.yaml"),
    ),
    (
        "shed-load.yaml",
        include_str!("../../fixtures/plans/shed-load.yaml"),
    ),
    (
        "failover-postgres.yaml",
        include_str!("../../fixtures/plans/failover-postgres.yaml"),
    ),
    (
        "rollback-payments.yaml",
        include_str!("../../fixtures/plans/rollback-payments.yaml"),
    ),
    (
        "drain-redis.yaml",
        include_str!("../../fixtures/plans/drain-redis.yaml"),
    ),
    (
        "inspect-demo.yaml",
        include_str!("../../fixtures/plans/inspect-demo.yaml"),
    ),
];

/// A plan and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub plan: Plan,
    /// `embedded:NAME` or the file's path.
    pub origin: String,
}

/// Parse and validate one plan file's text; every problem found.
pub fn parse(file: &str, text: &str, providers: Providers<'_>) -> Result<Plan, Vec<SpecError>> {
    let doc = Doc { file, text };
    if text.trim().is_empty() {
        return Err(vec![doc.invalid(&[], "empty plan file".into())]);
    }
    let plan: Plan = doc.parse().map_err(|e| vec![e])?;
    let mut errors = super::locate(&doc, validate::validate(&plan, providers));
    for s in plan.steps.iter().chain(&plan.rollback) {
        if s.step_type() == StepType::Http
            && let Some(j) = s.http.as_ref().and_then(|h| h.json.as_ref())
            && let Err(e) = serde_json_path::JsonPath::parse(&j.path)
        {
            errors.push(doc.invalid(
                &[&s.name, "path"],
                format!("step {:?}: bad JSONPath {:?}: {e}", s.name, j.path),
            ));
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|e| e.line());
        Err(errors)
    }
}

/// Read and check one file.
pub fn load_file(path: &Path, providers: Providers<'_>) -> Result<Plan, Vec<SpecError>> {
    let file = super::read(path, false).map_err(|e| vec![e])?;
    parse(&file.display, file.text.as_deref().unwrap_or(""), providers)
}

/// Plan files in a directory (`*.yaml`, `*.yml`), sorted; a missing
/// directory has none.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>, SpecError> {
    files_with(dir, YAML)
}

/// The extensions of spec files.
pub const YAML: &[&str] = &["yaml", "yml"];

/// A directory's regular files with one of `exts`, in name order; a
/// missing directory has none.
pub fn files_with(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, SpecError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(SpecError::Io {
                path: dir.display().to_string(),
                source,
            });
        }
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Every plan: the embedded demo plans (when `embedded`), then the
/// directories' files. Broken files and duplicate ids are reported, the
/// rest loaded; a later file with an id already taken is refused.
#[derive(Debug, Default)]
pub struct Catalog {
    pub plans: BTreeMap<String, Loaded>,
    pub errors: Vec<SpecError>,
}

pub fn load_all(dirs: &[PathBuf], embedded: bool, providers: Providers<'_>) -> Catalog {
    let mut cat = Catalog::default();
    let mut unread = Vec::new();
    super::each_source(
        EMBEDDED,
        YAML,
        embedded,
        dirs,
        &mut unread,
        |origin, text| match parse(origin, text, providers) {
            Ok(plan) => cat.add(plan, origin.to_string()),
            Err(mut e) => cat.errors.append(&mut e),
        },
    );
    cat.errors.append(&mut unread);
    cat
}

impl Catalog {
    fn add(&mut self, plan: Plan, origin: String) {
        if let Some(first) = self.plans.get(&plan.id) {
            let doc_text = std::fs::read_to_string(&origin).unwrap_or_default();
            let doc = Doc {
                file: &origin,
                text: &doc_text,
            };
            self.errors.push(doc.invalid(
                &["id", &plan.id],
                format!("plan id {:?} is already used by {}", plan.id, first.origin),
            ));
            return;
        }
        self.plans.insert(plan.id.clone(), Loaded { plan, origin });
    }

    /// A plan by id, or by the file it was loaded from.
    pub fn find(&self, key: &str) -> Option<&Loaded> {
        self.plans
            .get(key)
            .or_else(|| self.plans.values().find(|l| l.origin == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVIDERS: &[&str] = &["sim", "process"];

    fn errors(text: &str) -> Vec<String> {
        match parse("p.yaml", text, PROVIDERS) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn the_embedded_plans_are_valid() {
        let cat = load_all(&[], true, crate::domain::fault::catalog::names().as_slice());
        assert!(
            cat.errors.is_empty(),
            "{:?}",
            cat.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        );
        assert!(cat.plans.len() >= 6, "{}", cat.plans.len());
    }

    #[test]
    fn a_template_inside_a_shell_command_is_refused_where_it_is() {
        let e = errors(
            "id: x\ntitle: X\nparams:\n  - name: node\nsteps:\n  - name: go\n    run: [sh, -c, \"drain {{params.node}}\"]\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("p.yaml:7:5: "), "{e:?}");
        assert!(e[0].contains("shell"), "{e:?}");
    }

    #[test]
    fn every_problem_is_reported_with_a_line() {
        let text = "id: x\ntitle: X\nparams:\n  - name: n\n    pattern: '(['\nsteps:\n  - name: a\n    wait: 5x\n";
        let e = errors(text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("p.yaml:8:"), "{e:?}");
        let text = "id: x\ntitle: X\nparams:\n  - name: n\n    pattern: '(['\nsteps:\n  - name: a\n    frobnicate: 1\n";
        let e = errors(text);
        assert!(
            e[0].starts_with("p.yaml:8:5: ") && e[0].contains("frobnicate"),
            "{e:?}"
        );
        let text = "id: x\ntitle: X\nparams:\n  - name: n\n    pattern: '(['\nsteps:\n  - name: a\n    run: [echo, '{{params.m}}']\n  - name: a\n    wait: 1s\n";
        let e = errors(text);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("p.yaml:5:") && e[0].contains("pattern"),
            "{e:?}"
        );
        assert!(e.iter().any(|l| l.contains("params.m")), "{e:?}");
        assert!(
            e.iter()
                .any(|l| l.starts_with("p.yaml:9:") && l.contains("another step")),
            "{e:?}"
        );
    }

    #[test]
    fn inspections_refuse_operator_steps() {
        let e = errors(
            "id: x\ntitle: X\nkind: inspection\nschedule: every 1h\nsteps:\n  - name: look\n    manual: check it\n",
        );
        assert!(
            e.iter()
                .any(|l| l.starts_with("p.yaml:6:") && l.contains("unattended")),
            "{e:?}"
        );
        let e = errors("id: x\ntitle: X\nkind: inspection\nsteps:\n  - name: a\n    wait: 1s\n");
        assert!(e.iter().any(|l| l.contains("needs a `schedule`")), "{e:?}");
    }

    #[test]
    fn unknown_providers_and_bad_jsonpath() {
        let e = errors(
            "id: x\ntitle: X\nsteps:\n  - name: a\n    inject: {provider: nope, target: 'x', duration: 1m}\n  - name: b\n    http: {url: 'http://x', json: {path: '$$..['}}\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("unknown provider"), "{e:?}");
        assert!(e[1].contains("JSONPath"), "{e:?}");
    }
}
