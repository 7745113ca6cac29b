//! The reports themselves, each a [`Doc`] built from journal rows up to a
//! given row (or, for a proposal, from a scenario file): the chaos drill
//! proposal, the drill report and the fault handling report of one
//! incident. Nothing here reads the clock: every time shown is a row's.

use super::doc::{Block, Doc, Stamp};
use super::svg::{self, Lane};
use crate::domain::drill::drills::{DrillView, Drills};
use crate::domain::drill::payloads::Measure;
use crate::domain::drill::review;
use crate::domain::drill::scenario::Scenario;
use crate::domain::plan::Plan;
use crate::domain::{Event, EventKind};
use crate::journal::{Journal, Scan};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn secs(s: Option<u64>) -> String {
    s.map_or("—".into(), |s| format!("{s}s"))
}

fn mark(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "·",
    }
}

/// The row `id` as (id, hash), if it exists.
pub fn row_mark(j: &Journal, id: i64) -> Result<Option<(i64, String)>, String> {
    let mut found = None;
    j.scan(
        &Scan {
            after: id - 1,
            through: Some(id),
            ..Scan::default()
        },
        |r| {
            found = Some((r.id, r.hash.into_owned()));
            Ok(())
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(found)
}

fn events(j: &Journal, prefix: Option<&str>, through: i64) -> Result<Vec<Event>, String> {
    let mut out = Vec::new();
    j.scan_events(
        &Scan {
            kind_prefix: prefix,
            through: Some(through),
            ..Scan::default()
        },
        |e| out.push(e.clone()),
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}

// ---- the drill report ----

/// The report of drill `id` from the rows up to `through`.
pub fn drill(j: &Journal, id: &str, through: i64) -> Result<Doc, String> {
    let rows = events(j, Some("drill."), through)?;
    let mut drills = Drills::default();
    for e in &rows {
        drills.apply(e);
    }
    let Some(v) = drills.get(id).cloned() else {
        return Err(format!(
            "no drill {id:?} on the journal (cocpit drill list shows them)"
        ));
    };
    let first = rows
        .iter()
        .find(|e| e.subject == id && e.kind == EventKind::DrillStarted.as_str())
        .map(|e| (e.id, e.hash.clone()));
    let faults = fault_spans(&events(j, Some("fault."), through)?, Some(&v.faults));
    let mut blocks = vec![Block::KeyValues(vec![
        ("Drill".into(), v.id.clone()),
        ("Scenario".into(), v.scenario.clone()),
        ("Commander".into(), v.commander.clone()),
        ("Started".into(), when(v.started)),
        ("Ended".into(), v.ended.map_or("still running".into(), when)),
        (
            "Verdict".into(),
            v.verdict.map_or("running", |x| x.as_str()).to_string(),
        ),
        (
            "Why".into(),
            if v.reason.is_empty() {
                "—".into()
            } else {
                v.reason.clone()
            },
        ),
    ])];
    blocks.push(Block::Heading(
        "Expectations against what was observed".into(),
    ));
    blocks.push(Block::Table {
        head: vec!["".into(), "expected".into(), "observed".into()],
        rows: review::checks(&v)
            .into_iter()
            .map(|c| vec![mark(c.ok).into(), c.expected, c.observed])
            .collect(),
    });
    blocks.push(Block::Heading("Measured against the targets".into()));
    let first_within = v.expect.iter().map(|e| e.within).min();
    blocks.push(Block::Table {
        head: vec!["measure".into(), "measured".into(), "target".into()],
        rows: vec![
            vec![
                "MTTD (time to detect)".into(),
                secs(v.mttd),
                secs(first_within),
            ],
            vec![
                "MTTA (time to acknowledge)".into(),
                secs(v.mtta),
                secs(v.ack_within),
            ],
            vec![
                "MTTR (time to recover)".into(),
                secs(v.mttr),
                secs(v.recovery_within),
            ],
        ],
    });
    blocks.push(Block::Heading("Timeline".into()));
    blocks.push(drill_chart(&v, &faults));
    blocks.push(Block::Heading("Findings".into()));
    blocks.push(Block::List(
        v.findings
            .iter()
            .map(|(at, f)| format!("{} — {}: {}", when(*at), f.by, f.text))
            .collect(),
    ));
    blocks.push(Block::Heading("Improvement items".into()));
    blocks.push(Block::Table {
        head: ["item", "title", "owner", "due", "status", "failure mode"]
            .map(String::from)
            .to_vec(),
        rows: v
            .items
            .iter()
            .filter_map(|i| drills.items.get(i))
            .map(|it| {
                let n = &it.now;
                vec![
                    n.item.clone(),
                    n.title.clone(),
                    n.owner.clone(),
                    n.due.map_or("—".into(), |d| d.to_string()),
                    n.status.as_str().into(),
                    n.failure_mode.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Acceptance".into()));
    blocks.push(Block::Para(match &v.accepted {
        Some((at, a)) if a.comment.is_empty() => format!("Accepted by {} on {}.", a.by, when(*at)),
        Some((at, a)) => format!("Accepted by {} on {}: {}", a.by, when(*at), a.comment),
        None => "Not accepted yet.".into(),
    }));
    blocks.push(Block::Heading("Progress log".into()));
    blocks.push(Block::Table {
        head: vec!["time".into(), "what happened".into()],
        rows: v
            .log
            .iter()
            .map(|(at, l)| vec![when(*at), l.clone()])
            .collect(),
    });
    Ok(Doc {
        title: format!("Drill report: {}", v.title),
        stamp: Stamp {
            kind: "drill".into(),
            args: vec![id.to_string()],
            first,
            last: row_mark(j, through)?,
            source: None,
        },
        blocks,
    })
}

/// A fault's time in place: from `fault.active` to its end, if seen.
type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
type Spans = BTreeMap<String, Span>;

/// The spans of the faults in `rows` (only those of `ids`, when given).
fn fault_spans(rows: &[Event], ids: Option<&[String]>) -> Spans {
    let wanted: Option<BTreeSet<&String>> = ids.map(|ids| ids.iter().collect());
    let mut out = Spans::new();
    for e in rows
        .iter()
        .filter(|e| e.kind.starts_with("fault."))
        .filter(|e| wanted.as_ref().is_none_or(|w| w.contains(&e.subject)))
    {
        let span = out.entry(e.subject.clone()).or_default();
        match EventKind::parse(&e.kind) {
            Some(EventKind::FaultActive) => span.0 = span.0.or(Some(e.ts)),
            Some(
                EventKind::FaultRecovered | EventKind::FaultFailed | EventKind::FaultDismissed,
            ) => span.1 = Some(e.ts),
            _ => {}
        }
    }
    out
}

fn drill_chart(v: &DrillView, faults: &Spans) -> Block {
    let end = v
        .ended
        .unwrap_or_else(|| v.log.last().map_or(v.started, |(t, _)| *t));
    let span = (end - v.started).num_seconds().max(1);
    let off = |t: DateTime<Utc>| (t - v.started).num_seconds();
    let mut phases = Lane {
        name: "phases".into(),
        ..Lane::default()
    };
    let spans = review::phase_spans(v, end);
    for (i, (p, at, dur)) in spans.iter().enumerate() {
        let colour = if i % 2 == 0 { svg::BLUE } else { svg::GREY };
        phases.bars.push((
            off(*at),
            off(*at) + dur,
            colour,
            format!("{} {dur}s", p.as_str()),
        ));
    }
    let mut fault_lane = Lane {
        name: "faults".into(),
        ..Lane::default()
    };
    for (id, (from, to)) in faults {
        if let Some(from) = from {
            let to = to.unwrap_or(end);
            fault_lane
                .bars
                .push((off(*from), off(to), svg::AMBER, format!("fault {id}")));
        }
    }
    let mut marks = Lane {
        name: "measured".into(),
        ..Lane::default()
    };
    for (at, m) in &v.measurements {
        if matches!(
            m.what,
            Measure::Detected
                | Measure::Missed
                | Measure::Acked
                | Measure::Mitigated
                | Measure::Recovered
        ) {
            marks
                .marks
                .push((off(*at), crate::domain::drill::drills::describe(m)));
        }
    }
    let lanes = vec![phases, fault_lane, marks];
    let svg = svg::timeline(&lanes, span, |t| format!("+{t}s"));
    let text = spans
        .iter()
        .map(|(p, at, dur)| {
            format!(
                "{:>6}  {:<20} {dur}s",
                format!("+{}s", off(*at)),
                p.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Block::Chart {
        caption: format!("From {} (+0s) to {} (+{span}s)", when(v.started), when(end)),
        svg,
        text,
    }
}

// ---- the proposal ----

/// The chaos drill proposal of scenario `s` (its file's text `text`,
/// loaded from `origin`), with the plan it names if loaded.
pub fn proposal(s: &Scenario, origin: &str, text: &str, plans: &[Plan]) -> Doc {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    let mut blocks = vec![Block::KeyValues(vec![
        ("Scenario".into(), s.id.clone()),
        ("Application".into(), s.application.clone()),
        ("Owner".into(), s.owner.clone()),
        (
            "Failure mode".into(),
            s.failure_mode.clone().unwrap_or_else(|| "—".into()),
        ),
    ])];
    blocks.push(Block::Heading("Objective".into()));
    blocks.push(Block::Para(if s.objective.is_empty() {
        "—".into()
    } else {
        s.objective.trim().to_string()
    }));
    blocks.push(Block::Heading("Scope and blast radius".into()));
    blocks.push(Block::List(
        s.blast_radius
            .iter()
            .map(|t| format!("{t} (also checked against [faults] allowed_targets)"))
            .collect(),
    ));
    blocks.push(Block::Heading("Window".into()));
    blocks.push(Block::Para(match &s.window {
        Some(w) => format!(
            "{} {}–{} UTC",
            if w.days.is_empty() {
                "every day".to_string()
            } else {
                w.days.join(", ")
            },
            w.from.as_deref().unwrap_or("00:00"),
            w.to.as_deref().unwrap_or("24:00")
        ),
        None => "any time".into(),
    }));
    blocks.push(Block::Heading("Faults by group".into()));
    let mut by_group = Vec::new();
    for (i, group) in s.groups.iter().enumerate() {
        for f in &group.faults {
            let params: Vec<String> = f.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            by_group.push(vec![
                format!("{} {}", i + 1, group.name).trim().to_string(),
                f.provider.clone(),
                f.target.clone(),
                f.action.clone(),
                params.join(" "),
                f.duration.to_string(),
            ]);
        }
    }
    blocks.push(Block::Table {
        head: [
            "group", "provider", "target", "action", "params", "duration",
        ]
        .map(String::from)
        .to_vec(),
        rows: by_group,
    });
    blocks.push(Block::Heading("Expectations".into()));
    blocks.push(Block::Table {
        head: vec!["expected alarm".into(), "filter".into(), "within".into()],
        rows: s
            .expect
            .alarms
            .iter()
            .map(|a| vec![a.name.clone(), a.filter.clone(), a.within.to_string()])
            .collect(),
    });
    let mut targets = Vec::new();
    if let Some(r) = &s.expect.recovery_within {
        targets.push(format!("recovered within {r}"));
    }
    if let Some(a) = &s.expect.ack_within {
        targets.push(format!("acknowledged within {a}"));
    }
    blocks.push(Block::List(targets));
    blocks.push(Block::Heading("Contingency plan".into()));
    blocks.push(Block::Para(match &s.plan {
        Some(p) => match plans.iter().find(|x| x.id == p.id) {
            Some(plan) => format!(
                "{} — {} ({} steps, expected recovery {})",
                plan.id,
                plan.title,
                plan.steps.len(),
                plan.expected_recovery
                    .map_or("not stated".into(), |d| format!("{}s", d.0))
            ),
            None => format!("{} (not loaded here)", p.id),
        },
        None => "none: the drill observes detection only".into(),
    }));
    blocks.push(Block::Heading("Rollback".into()));
    let mut rb = vec![
        "Every fault is recovered by the fault ledger at its deadline, on abort, on the panic key and after a crash (the watchdog).".to_string(),
    ];
    rb.extend(s.rollbacks.iter().map(|r| format!("then: {}", r.name)));
    blocks.push(Block::List(rb));
    blocks.push(Block::Heading("Stop conditions and risks".into()));
    let mut risks: Vec<String> = s
        .guards
        .iter()
        .map(|g| format!("guard {}: aborts the drill and recovers everything", g.name))
        .collect();
    if let Some(fm) = &s.failure_mode {
        risks.push(format!("exercises failure mode {fm}"));
    }
    blocks.push(Block::List(risks));
    blocks.push(Block::Heading("Sign-off".into()));
    blocks.push(Block::Table {
        head: vec![
            "role".into(),
            "name".into(),
            "date".into(),
            "signature".into(),
        ],
        rows: ["drill commander", "service owner", "operations on duty"]
            .iter()
            .map(|r| vec![r.to_string(), String::new(), String::new(), String::new()])
            .collect(),
    });
    Doc {
        title: format!("Chaos drill proposal: {}", s.title),
        stamp: Stamp {
            kind: "proposal".into(),
            args: vec![s.id.clone()],
            first: None,
            last: None,
            source: Some((origin.to_string(), hash)),
        },
        blocks,
    }
}

// ---- the fault handling report ----

/// A string field of a payload (`""` when absent).
pub(super) fn text_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The fault handling report of one incident: the alarms `fps` from the
/// rows up to `through`.
pub fn incident(j: &Journal, fps: &[String], through: i64) -> Result<Doc, String> {
    let wanted: BTreeSet<&String> = fps.iter().collect();
    // Streamed, keeping only the rows about these alarms, their plan runs
    // and the faults' spans: a big journal is never held whole.
    let scan = |prefix: &'static str, keep: &mut dyn FnMut(&Event) -> bool| {
        let mut out = Vec::new();
        j.scan_events(
            &Scan {
                kind_prefix: Some(prefix),
                through: Some(through),
                ..Scan::default()
            },
            |e| {
                if keep(e) {
                    out.push(e.clone());
                }
            },
        )
        .map(|_| out)
        .map_err(|e| e.to_string())
    };
    let alarm_rows = scan("alarm.", &mut |e| wanted.contains(&e.subject))?;
    let mut kept_runs: BTreeSet<String> = BTreeSet::new();
    let plan_rows = scan("plan.", &mut |e| match EventKind::parse(&e.kind) {
        Some(EventKind::PlanRunStarted) if wanted.contains(&text_of(&e.payload, "alarm")) => {
            kept_runs.insert(text_of(&e.payload, "run"));
            true
        }
        Some(EventKind::PlanStepFinished | EventKind::PlanRunFinished) => {
            kept_runs.contains(&text_of(&e.payload, "run"))
        }
        _ => false,
    })?;
    let fault_rows = scan("fault.", &mut |e| {
        matches!(
            EventKind::parse(&e.kind),
            Some(
                EventKind::FaultActive
                    | EventKind::FaultRecovered
                    | EventKind::FaultFailed
                    | EventKind::FaultDismissed
            )
        )
    })?;
    let last = row_mark(j, through)?;
    let last_ts = j
        .read_after(through - 1, 1)
        .ok()
        .and_then(|v| v.first().map(|e| e.ts));
    let Some(first) = alarm_rows.first() else {
        return Err(format!(
            "no alarm {} on the journal",
            fps.first().map_or("", String::as_str)
        ));
    };
    let start = first.ts;
    let mut names = BTreeMap::new();
    let mut timeline = Vec::new();
    let mut acked = None;
    let mut resolved = None;
    for e in &alarm_rows {
        let kind = EventKind::parse(&e.kind);
        let detail = match kind {
            Some(EventKind::AlarmRaised | EventKind::AlarmUpdated) => {
                let name = text_of(&e.payload, "name");
                names.insert(e.subject.clone(), name.clone());
                format!("{name} ({})", text_of(&e.payload, "severity"))
            }
            Some(EventKind::AlarmAcked) => {
                acked = acked.or(Some(e.ts));
                text_of(&e.payload, "comment")
            }
            Some(EventKind::AlarmNoteAdded) => text_of(&e.payload, "text"),
            Some(EventKind::AlarmOwnerSet) => text_of(&e.payload, "owner"),
            Some(EventKind::AlarmResolved) => {
                resolved = Some(e.ts);
                text_of(&e.payload, "reason")
            }
            _ => String::new(),
        };
        timeline.push(vec![
            when(e.ts),
            e.kind.trim_start_matches("alarm.").to_string(),
            e.actor.clone(),
            names.get(&e.subject).cloned().unwrap_or_default(),
            detail,
        ]);
    }
    let end = resolved.or(last_ts).unwrap_or(start);
    // Plans run for these alarms, with their steps.
    let mut runs: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut run_outcome: BTreeMap<String, String> = BTreeMap::new();
    for e in &plan_rows {
        match EventKind::parse(&e.kind) {
            Some(EventKind::PlanRunStarted) => {
                let alarm = text_of(&e.payload, "alarm");
                if wanted.contains(&alarm) {
                    let run = text_of(&e.payload, "run");
                    let plan = e
                        .payload
                        .get("plan")
                        .and_then(|p| p.get("id"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    run_outcome.insert(run.clone(), format!("{plan}: running"));
                    runs.insert(run, Vec::new());
                }
            }
            Some(EventKind::PlanStepFinished) => {
                let run = text_of(&e.payload, "run");
                if let Some(steps) = runs.get_mut(&run) {
                    steps.push(vec![
                        run.clone(),
                        text_of(&e.payload, "name"),
                        text_of(&e.payload, "outcome"),
                        when(e.ts),
                    ]);
                }
            }
            Some(EventKind::PlanRunFinished) => {
                let run = text_of(&e.payload, "run");
                if let Some(o) = run_outcome.get_mut(&run) {
                    let state = e
                        .payload
                        .get("outcome")
                        .and_then(|o| o.get("state"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let plan = o.split(':').next().unwrap_or("").to_string();
                    *o = format!("{plan}: {state}");
                }
            }
            _ => {}
        }
    }
    // Faults in place at any time of the incident.
    let spans = fault_spans(&fault_rows, None);
    let involved: Vec<Vec<String>> = spans
        .iter()
        .filter_map(|(id, (from, to))| {
            let from = (*from)?;
            let overlaps = from <= end && to.is_none_or(|t| t >= start);
            overlaps.then(|| {
                vec![
                    id.clone(),
                    when(from),
                    to.map_or("still in place".into(), when),
                ]
            })
        })
        .collect();
    let title_names: Vec<String> = names
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut blocks = vec![Block::KeyValues(vec![
        ("Alarms".into(), fps.join(", ")),
        ("Names".into(), title_names.join(", ")),
        ("First raised".into(), when(start)),
        (
            "Acknowledged".into(),
            acked.map_or("never".into(), |a| {
                format!("{} (after {}s)", when(a), (a - start).num_seconds())
            }),
        ),
        (
            "Resolved".into(),
            resolved.map_or("not yet".into(), |r| {
                format!("{} (after {}s)", when(r), (r - start).num_seconds())
            }),
        ),
    ])];
    blocks.push(Block::Heading("Alarm timeline".into()));
    blocks.push(Block::Table {
        head: ["time", "event", "who", "alarm", "detail"]
            .map(String::from)
            .to_vec(),
        rows: timeline,
    });
    blocks.push(Block::Heading("Plans run".into()));
    blocks.push(Block::List(
        run_outcome
            .iter()
            .map(|(run, o)| format!("run {run} — {o}"))
            .collect(),
    ));
    blocks.push(Block::Table {
        head: ["run", "step", "outcome", "finished"]
            .map(String::from)
            .to_vec(),
        rows: runs.into_values().flatten().collect(),
    });
    blocks.push(Block::Heading("Faults in place during the incident".into()));
    blocks.push(Block::Table {
        head: ["fault", "in place from", "to"].map(String::from).to_vec(),
        rows: involved,
    });
    blocks.push(Block::Heading("Outcome".into()));
    blocks.push(Block::Para(match resolved {
        Some(r) => format!(
            "Resolved {}s after it was first raised.",
            (r - start).num_seconds()
        ),
        None => "Still open when this report was made.".into(),
    }));
    Ok(Doc {
        title: format!(
            "Fault handling report: {}",
            if title_names.is_empty() {
                fps.join(", ")
            } else {
                title_names.join(", ")
            }
        ),
        stamp: Stamp {
            kind: "incident".into(),
            args: fps.to_vec(),
            first: Some((first.id, first.hash.clone())),
            last,
            source: None,
        },
        blocks,
    })
}

// ---- the risk check report ----

/// What the risk check reads besides the journal: the failure-mode
/// library, the scenarios and the plan ids.
pub struct Library {
    pub modes: Vec<crate::domain::risk::FailureMode>,
    pub scenarios: Vec<Scenario>,
    pub plans: BTreeSet<String>,
    /// SHA-256 over everything above, as loaded.
    pub hash: String,
}

/// How long after its last drill a mode counts as "drilled long ago".
const STALE_DAYS: i64 = 90;

fn coverage_at(
    j: &Journal,
    lib: &Library,
    through: i64,
) -> Result<(Vec<crate::domain::risk::coverage::Coverage>, Vec<Event>), String> {
    use crate::domain::plan::runs::Runs;
    use crate::domain::risk::tags::Tags;
    let mut drills = Drills::default();
    for e in events(j, Some("drill."), through)? {
        drills.apply(&e);
    }
    let plan_rows = events(j, Some("plan."), through)?;
    let mut runs = Runs::default();
    for e in &plan_rows {
        runs.apply(e);
    }
    let mut tags = Tags::default();
    for e in events(j, Some("risk."), through)? {
        tags.apply(&e);
    }
    let rows = crate::domain::risk::coverage::coverage(&crate::domain::risk::coverage::Inputs {
        modes: &lib.modes,
        plans: &lib.plans,
        scenarios: &lib.scenarios,
        drills: &drills,
        runs: &runs,
        tags: &tags,
    });
    Ok((rows, plan_rows))
}

/// The risk check report from the rows up to `through`; with `since`, what
/// changed from the rows up to that row (a previous report's).
pub fn risk(j: &Journal, lib: &Library, through: i64, since: Option<i64>) -> Result<Doc, String> {
    use crate::domain::risk::coverage::{Fired, PlanResult, summary};
    let (rows, plan_rows) = coverage_at(j, lib, through)?;
    let last = row_mark(j, through)?;
    let at = plan_rows
        .last()
        .map(|e| e.ts)
        .into_iter()
        .chain(events(j, Some("drill."), through)?.last().map(|e| e.ts))
        .max();
    let s = summary(&rows);
    let mode = |i: usize| &lib.modes[i];
    let mut blocks = vec![Block::KeyValues(vec![
        ("Failure modes".into(), s.modes.to_string()),
        ("Covered (no gap)".into(), s.covered.to_string()),
        ("With a detection rule".into(), s.detected.to_string()),
        ("With a loaded plan".into(), s.planned.to_string()),
        ("Drilled".into(), s.drilled.to_string()),
    ])];
    blocks.push(Block::Heading("Top risks by RPN".into()));
    blocks.push(Block::Table {
        head: ["RPN", "mode", "application", "category", "gaps"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .take(10)
            .map(|r| {
                let m = mode(r.index);
                vec![
                    r.rpn.to_string(),
                    format!("{} — {}", m.id, m.display_title()),
                    m.application.clone(),
                    m.category.as_str().to_string(),
                    gaps_text(r),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Coverage matrix".into()));
    blocks.push(Block::Table {
        head: ["mode", "RPN", "detection", "plan", "drilled", "tagged"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                let detection = match (r.detected(), r.fired) {
                    (false, _) => "✗ none".to_string(),
                    (true, Some(Fired::InTime)) => "✓ fired in its last drill".into(),
                    (true, Some(Fired::Late)) => "✗ late in its last drill".into(),
                    (true, Some(Fired::Missed)) => "✗ missed in its last drill".into(),
                    (true, None) => format!("✓ {} rule(s)", r.detect),
                };
                let plan = match (&r.plan, r.plan_result) {
                    (None, _) => "✗ none".to_string(),
                    (Some((p, false)), _) => format!("✗ {p} (not loaded)"),
                    (Some((p, true)), Some(PlanResult::Succeeded)) => {
                        format!("✓ {p}: last run succeeded")
                    }
                    (Some((p, true)), Some(PlanResult::Failed)) => {
                        format!("✗ {p}: last run failed")
                    }
                    (Some((p, true)), Some(PlanResult::Running)) => format!("✓ {p}: running"),
                    (Some((p, true)), None) => format!("✓ {p}: never run"),
                };
                let drilled = match &r.last {
                    Some(l) => format!(
                        "{} {} ({})",
                        mark(Some(
                            l.verdict == crate::domain::drill::payloads::Verdict::Passed
                        )),
                        l.verdict.as_str(),
                        l.ended.format("%Y-%m-%d")
                    ),
                    None if r.scenarios.is_empty() => "✗ no scenario".into(),
                    None => "✗ never".into(),
                };
                vec![
                    r.id.clone(),
                    r.rpn.to_string(),
                    detection,
                    plan,
                    drilled,
                    r.tagged.to_string(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Gaps".into()));
    let ids = |f: &dyn Fn(&crate::domain::risk::coverage::Coverage) -> bool| -> String {
        let v: Vec<&str> = rows
            .iter()
            .filter(|r| f(r))
            .map(|r| r.id.as_str())
            .collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join(", ")
        }
    };
    let long_ago = |r: &crate::domain::risk::coverage::Coverage| matches!((&r.last, at), (Some(l), Some(at)) if (at - l.ended).num_days() > STALE_DAYS);
    blocks.push(Block::KeyValues(vec![
        ("No detection".into(), ids(&|r| !r.detected())),
        ("No plan".into(), ids(&|r| !r.planned())),
        ("Never drilled".into(), ids(&|r| !r.drilled())),
        (
            format!("Drilled over {STALE_DAYS} days ago"),
            ids(&long_ago),
        ),
    ]));
    blocks.push(Block::Heading("Inspection results".into()));
    let mut latest: BTreeMap<String, Vec<String>> = BTreeMap::new();
    {
        use crate::domain::plan::PlanKind;
        let mut runs = crate::domain::plan::runs::Runs::default();
        for e in &plan_rows {
            runs.apply(e);
        }
        for r in runs.newest_first() {
            if r.plan.kind == PlanKind::Inspection && !latest.contains_key(&r.plan.id) {
                latest.insert(
                    r.plan.id.clone(),
                    vec![
                        r.plan.id.clone(),
                        when(r.started),
                        r.state.label().to_string(),
                    ],
                );
            }
        }
    }
    blocks.push(Block::Table {
        head: ["inspection", "last run", "result"]
            .map(String::from)
            .to_vec(),
        rows: latest.into_values().collect(),
    });
    let mut args = Vec::new();
    if let Some(since) = since {
        args.push(format!("since={since}"));
        let (before, _) = coverage_at(j, lib, since)?;
        let was: BTreeMap<&str, &crate::domain::risk::coverage::Coverage> =
            before.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut changes = Vec::new();
        for r in &rows {
            match was.get(r.id.as_str()) {
                None => changes.push(format!("{}: new in the library", r.id)),
                Some(b) if b.gaps != r.gaps || b.rpn != r.rpn => changes.push(format!(
                    "{}: gaps {} → {}; RPN {} → {}",
                    r.id,
                    gaps_text(b),
                    gaps_text(r),
                    b.rpn,
                    r.rpn
                )),
                Some(_) => {}
            }
        }
        blocks.push(Block::Heading(format!("What changed since row #{since}")));
        blocks.push(Block::List(changes));
    }
    Ok(Doc {
        title: "Risk check report".into(),
        stamp: Stamp {
            kind: "risk".into(),
            args,
            first: None,
            last,
            source: Some((
                "the failure-mode library, scenarios and plans".into(),
                lib.hash.clone(),
            )),
        },
        blocks,
    })
}

fn gaps_text(r: &crate::domain::risk::coverage::Coverage) -> String {
    if r.gaps.is_empty() {
        "none".into()
    } else {
        r.gaps
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
