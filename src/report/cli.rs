//! `cocpit report KIND ARGS… [--format md|html] [--out PATH]` and `cocpit
//! report verify FILE`: a report is built from the journal's rows up to
//! its newest one (a proposal from its scenario file), and verify rebuilds
//! it from the rows its stamp names and compares byte for byte.

use super::doc::{self, Doc, Format};
use super::kinds;
use crate::journal::Journal;
use std::path::{Path, PathBuf};

/// Where reports read from.
#[derive(Debug, Clone)]
pub struct Env {
    pub journal: PathBuf,
    pub drill_dirs: Vec<PathBuf>,
    pub drills_embedded: bool,
    pub plan_dirs: Vec<PathBuf>,
    pub plans_embedded: bool,
    pub risk_dirs: Vec<PathBuf>,
    pub risk_embedded: bool,
}

/// The report kinds and what each takes.
pub const KINDS: &[(&str, &str)] = &[
    (
        "proposal",
        "SCENARIO: the chaos drill proposal, before a drill",
    ),
    (
        "drill",
        "DRILL: the drill report, after it (cocpit drill list shows ids)",
    ),
    (
        "incident",
        "FINGERPRINT…: the fault handling report of one incident",
    ),
];

fn open(env: &Env) -> Result<Journal, String> {
    if !env.journal.exists() {
        return Err(format!("no journal at {}", env.journal.display()));
    }
    Journal::open_readonly(&env.journal)
        .map_err(|e| format!("opening {}: {e}", env.journal.display()))
}

/// The journal and the row a report goes up to: `through`, else the
/// newest row.
fn open_through(env: &Env, through: Option<i64>) -> Result<(Journal, i64), String> {
    let j = open(env)?;
    let through = match through {
        Some(t) => t,
        None => j.last_id().map_err(|e| e.to_string())?,
    };
    Ok((j, through))
}

/// Build `kind` for `args` from the rows up to `through` (default: the
/// newest row).
pub fn build(env: &Env, kind: &str, args: &[String], through: Option<i64>) -> Result<Doc, String> {
    let need_one = || {
        args.first()
            .cloned()
            .ok_or_else(|| format!("report {kind}: which one? ({})", usage(kind)))
    };
    match kind {
        "proposal" => {
            let id = need_one()?;
            proposal(env, &id)
        }
        "drill" => {
            let id = need_one()?;
            let (j, through) = open_through(env, through)?;
            kinds::drill(&j, &id, through)
        }
        "incident" => {
            if args.is_empty() {
                return Err(format!("report incident: which alarms? ({})", usage(kind)));
            }
            let (j, through) = open_through(env, through)?;
            kinds::incident(&j, args, through)
        }
        "monthly" => {
            let (from, until) = super::monthly::range(args)?;
            let (j, through) = open_through(env, through)?;
            super::monthly::monthly(&j, from, until, args, through)
        }
        "risk" => {
            let (j, through) = open_through(env, through)?;
            let since = match args.first() {
                None => None,
                Some(a) => Some(match a.strip_prefix("since=") {
                    Some(n) => n
                        .parse::<i64>()
                        .map_err(|_| format!("report risk: {a:?}: since=ROW"))?,
                    // A previous report: from the row it went up to.
                    None => {
                        let text = std::fs::read_to_string(a).map_err(|e| format!("{a}: {e}"))?;
                        doc::parse_stamp(&text)?
                            .through
                            .ok_or_else(|| format!("{a}: its stamp names no row"))?
                    }
                }),
            };
            kinds::risk(&j, &library(env), through, since)
        }
        other => Err(format!(
            "no report kind {other:?}; one of: {}",
            KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn usage(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, u)| u)
}

fn proposal(env: &Env, id: &str) -> Result<Doc, String> {
    let providers = crate::domain::fault::catalog::names();
    let cat = crate::spec::drills::load_all(&env.drill_dirs, env.drills_embedded, &providers);
    let loaded = cat
        .find(id)
        .ok_or_else(|| format!("no scenario {id:?} (cocpit drill list shows them)"))?;
    let text = match loaded.origin.strip_prefix("embedded:") {
        Some(name) => crate::spec::drills::EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| format!("{}: not embedded", loaded.origin))?,
        None => std::fs::read_to_string(&loaded.origin)
            .map_err(|e| format!("{}: {e}", loaded.origin))?,
    };
    let plans = crate::spec::plans::load_all(&env.plan_dirs, env.plans_embedded, &providers);
    let plans: Vec<_> = plans.plans.into_values().map(|l| l.plan).collect();
    Ok(kinds::proposal(
        &loaded.scenario,
        &loaded.origin,
        &text,
        &plans,
    ))
}

/// The failure modes, scenarios and plan ids as configured, and a hash of
/// all of them (a report names it, so an edited library shows in verify).
fn library(env: &Env) -> kinds::Library {
    use sha2::Digest;
    let providers = crate::domain::fault::catalog::names();
    let scenarios: Vec<_> =
        crate::spec::drills::load_all(&env.drill_dirs, env.drills_embedded, &providers)
            .scenarios
            .into_values()
            .map(|l| l.scenario)
            .collect();
    let plans: std::collections::BTreeSet<String> =
        crate::spec::plans::load_all(&env.plan_dirs, env.plans_embedded, &providers)
            .plans
            .into_keys()
            .collect();
    let known = crate::domain::risk::validate::Known {
        plans: None,
        drills: None,
    };
    let modes: Vec<_> = crate::spec::risk::load_all(&env.risk_dirs, env.risk_embedded, known)
        .modes
        .into_values()
        .map(|l| l.mode)
        .collect();
    let mut h = sha2::Sha256::new();
    h.update(format!("{modes:?}\n{scenarios:?}\n{plans:?}").as_bytes());
    kinds::Library {
        modes,
        scenarios,
        plans,
        hash: hex::encode(h.finalize()),
    }
}

/// `cocpit report KIND …`: write it; the exit code.
pub fn run(env: &Env, kind: &str, args: &[String], format: Format, out: Option<&Path>) -> u8 {
    let d = match build(env, kind, args, None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cocpit report: {}", crate::domain::sanitize::inert(&e));
            return 2;
        }
    };
    let text = doc::render(&d, format);
    match out {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &text) {
                eprintln!("cocpit report: {}: {e}", p.display());
                return 2;
            }
            eprintln!(
                "cocpit report: {} written ({} bytes)",
                p.display(),
                text.len()
            );
        }
        None => print!("{text}"),
    }
    0
}

/// What verify found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The file is what the journal gives, byte for byte.
    Unedited,
    /// It differs first at this line (1-based).
    Edited { line: usize },
}

/// Rebuild the report `text` claims to be and compare.
pub fn check(env: &Env, text: &str) -> Result<Verdict, String> {
    let stamp = doc::parse_stamp(text)?;
    let format = stamp.format.ok_or("report stamp: no format (md or html)")?;
    let rebuilt = doc::render(
        &build(env, &stamp.kind, &stamp.args, stamp.through)?,
        format,
    );
    if rebuilt == text {
        return Ok(Verdict::Unedited);
    }
    let line = rebuilt
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .map_or_else(
            || rebuilt.lines().count().min(text.lines().count()) + 1,
            |i| i + 1,
        );
    Ok(Verdict::Edited { line })
}

/// `cocpit report verify FILE`: 0 unedited, 1 edited, 2 cannot tell.
pub fn verify(env: &Env, file: &Path) -> u8 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cocpit report verify: {}: {e}", file.display());
            return 2;
        }
    };
    match check(env, &text) {
        Ok(Verdict::Unedited) => {
            println!(
                "{}: unedited: rebuilt byte for byte from what its stamp names",
                file.display()
            );
            0
        }
        Ok(Verdict::Edited { line }) => {
            println!(
                "{}: EDITED: line {line} is not what the journal gives",
                file.display()
            );
            1
        }
        Err(e) => {
            eprintln!(
                "cocpit report verify: {}: {}",
                file.display(),
                crate::domain::sanitize::inert(&e)
            );
            2
        }
    }
}
