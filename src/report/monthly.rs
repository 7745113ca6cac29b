//! The monthly / shift O&M report of a time range, streamed through the
//! journal once (`Journal::scan`, payloads decoded only for the kinds it
//! counts): alarms by severity and service per day (or hour), MTTA / MTTR
//! and their trend, the noisiest alarms, plans and their success rate,
//! changes, faults injected, drills, open improvement items and
//! inspection results.

use super::doc::{Block, Doc, Stamp};
use super::kinds::{row_mark, text_of as text};
use super::svg;
use crate::domain::EventKind;
use crate::domain::drill::drills::Drills;
use crate::domain::drill::payloads::ItemStatus;
use crate::journal::{Journal, Scan};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The range a report is asked for: `YYYY-MM` (that month) or two RFC
/// 3339 moments (`FROM UNTIL`, a shift).
pub fn range(args: &[String]) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            })
            .map_err(|_| format!("{s:?}: a day (YYYY-MM-DD) or an RFC 3339 moment"))
    };
    match args {
        [month] => {
            let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .map_err(|_| format!("{month:?}: a month (YYYY-MM), or FROM UNTIL"))?;
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .ok_or("month out of range")?;
            let at = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            Ok((at(first), at(next)))
        }
        [from, until] => {
            let (f, u) = (parse(from)?, parse(until)?);
            if u <= f {
                return Err("the range ends before it starts".into());
            }
            Ok((f, u))
        }
        _ => Err("report monthly: YYYY-MM, or FROM UNTIL".into()),
    }
}

#[derive(Default)]
struct AlarmLife {
    raised: DateTime<Utc>,
    acked: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct Tally {
    first: Option<(i64, String)>,
    by_severity: BTreeMap<String, u64>,
    by_service: BTreeMap<String, u64>,
    per_bucket: BTreeMap<String, u64>,
    raised_by_name: BTreeMap<String, u64>,
    /// Open occurrences by fingerprint, then every closed one.
    open: BTreeMap<String, AlarmLife>,
    lives: Vec<AlarmLife>,
    /// plan id → (runs, succeeded), and which runs are inspections.
    plans: BTreeMap<String, (u64, u64)>,
    run_plan: BTreeMap<String, (String, bool)>,
    inspections: BTreeMap<String, (DateTime<Utc>, String)>,
    changes: Vec<Vec<String>>,
    change_row: BTreeMap<String, usize>,
    faults_active: u64,
    faults_failed: u64,
    fault_providers: BTreeMap<String, u64>,
    drills: BTreeMap<String, u64>,
}

/// A chart bucket's label: the hour (`20 09h`) or the day (`11-20`).
fn bucket_label(t: DateTime<Utc>, hourly: bool) -> String {
    if hourly {
        t.format("%d %Hh").to_string()
    } else {
        t.format("%m-%d").to_string()
    }
}

fn mean(xs: &[i64]) -> Option<i64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<i64>() / xs.len() as i64)
}

fn secs(s: Option<i64>) -> String {
    match s {
        None => "—".into(),
        Some(s) if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        Some(s) if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        Some(s) => format!("{s}s"),
    }
}

/// The report of `[from, until)` from the rows up to `through`.
pub fn monthly(
    j: &Journal,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    args: &[String],
    through: i64,
) -> Result<Doc, String> {
    let hourly = (until - from).num_hours() <= 48;
    let bucket = |t: DateTime<Utc>| bucket_label(t, hourly);
    let mut t = Tally::default();
    let mut drills = Drills::default();
    let path = j.path().to_path_buf();
    j.scan(
        &Scan {
            through: Some(through),
            ..Scan::default()
        },
        |row| {
            let kind = EventKind::parse(&row.kind);
            // The improvement items are as of the range's end: every row
            // before it counts, whenever the drill was.
            if row.kind.starts_with("drill.") {
                let ts = crate::journal::chain::parse_ts(&row.ts);
                if ts.is_some_and(|ts| ts < until) {
                    drills.apply(&row.event(&path));
                }
            }
            let Some(ts) = crate::journal::chain::parse_ts(&row.ts) else {
                return Ok(());
            };
            if ts < from || ts >= until {
                return Ok(());
            }
            if t.first.is_none() {
                t.first = Some((row.id, row.hash.to_string()));
            }
            let Some(kind) = kind else {
                return Ok(());
            };
            let payload = || -> Value { serde_json::from_str(&row.payload).unwrap_or(Value::Null) };
            match kind {
                EventKind::AlarmRaised => {
                    let p = payload();
                    let name = text(&p, "name");
                    let sev = text(&p, "severity");
                    let service = p
                        .get("labels")
                        .and_then(|l| l.get("service"))
                        .and_then(Value::as_str)
                        .unwrap_or("-")
                        .to_string();
                    *t.by_severity.entry(sev).or_default() += 1;
                    *t.by_service.entry(service).or_default() += 1;
                    *t.per_bucket.entry(bucket(ts)).or_default() += 1;
                    *t.raised_by_name.entry(name).or_default() += 1;
                    if let Some(old) = t.open.insert(
                        row.subject.to_string(),
                        AlarmLife {
                            raised: ts,
                            ..AlarmLife::default()
                        },
                    ) {
                        t.lives.push(old);
                    }
                }
                EventKind::AlarmAcked => {
                    if let Some(l) = t.open.get_mut(row.subject.as_ref()) {
                        l.acked = l.acked.or(Some(ts));
                    }
                }
                EventKind::AlarmResolved => {
                    if let Some(mut l) = t.open.remove(row.subject.as_ref()) {
                        l.resolved = Some(ts);
                        t.lives.push(l);
                    }
                }
                EventKind::PlanRunStarted => {
                    let p = payload();
                    let plan = p.get("plan");
                    let id = plan
                        .and_then(|x| x.get("id"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let inspection = plan.and_then(|x| x.get("kind")).and_then(Value::as_str)
                        == Some("inspection");
                    t.plans.entry(id.clone()).or_default().0 += 1;
                    t.run_plan.insert(text(&p, "run"), (id, inspection));
                }
                EventKind::PlanRunFinished => {
                    let p = payload();
                    let state = p
                        .get("outcome")
                        .and_then(|o| o.get("state"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if let Some((plan, inspection)) = t.run_plan.get(&text(&p, "run")).cloned() {
                        if state == "succeeded" {
                            t.plans.entry(plan.clone()).or_default().1 += 1;
                        }
                        if inspection {
                            t.inspections.insert(plan, (ts, state));
                        }
                    }
                }
                EventKind::ChangeOpened => {
                    let p = payload();
                    t.change_row.insert(text(&p, "change"), t.changes.len());
                    t.changes.push(vec![
                        text(&p, "change"),
                        text(&p, "title"),
                        text(&p, "operator"),
                        when(ts),
                        "open".into(),
                    ]);
                }
                EventKind::ChangeClosed => {
                    let p = payload();
                    if let Some(i) = t.change_row.get(&text(&p, "change")).copied()
                        && let Some(r) = t.changes.get_mut(i)
                    {
                        r[4] = text(&p, "outcome");
                    }
                }
                EventKind::FaultActive => t.faults_active += 1,
                EventKind::FaultFailed => t.faults_failed += 1,
                EventKind::FaultIntended => {
                    let p = payload();
                    let provider = p
                        .get("spec")
                        .and_then(|s| s.get("provider"))
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string();
                    *t.fault_providers.entry(provider).or_default() += 1;
                }
                EventKind::DrillFinished => {
                    let p = payload();
                    *t.drills.entry(text(&p, "verdict")).or_default() += 1;
                }
                _ => {}
            }
            Ok(())
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(document(
        t,
        drills,
        from,
        until,
        hourly,
        args,
        row_mark(j, through)?,
    ))
}

fn document(
    mut t: Tally,
    drills: Drills,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    hourly: bool,
    args: &[String],
    last: Option<(i64, String)>,
) -> Doc {
    t.lives.extend(std::mem::take(&mut t.open).into_values());
    let raised: u64 = t.by_severity.values().sum();
    let mtta: Vec<i64> = t
        .lives
        .iter()
        .filter_map(|l| l.acked.map(|a| (a - l.raised).num_seconds()))
        .collect();
    let mttr: Vec<i64> = t
        .lives
        .iter()
        .filter_map(|l| l.resolved.map(|r| (r - l.raised).num_seconds()))
        .collect();
    let mut blocks = vec![Block::KeyValues(vec![
        ("From".into(), when(from)),
        ("Until".into(), when(until)),
        ("Alarms raised".into(), raised.to_string()),
        ("MTTA (mean)".into(), secs(mean(&mtta))),
        ("MTTR (mean)".into(), secs(mean(&mttr))),
        (
            "Faults injected".into(),
            format!("{} in place, {} failed", t.faults_active, t.faults_failed),
        ),
    ])];
    blocks.push(Block::Heading("Alarms".into()));
    // Every day (hour) of the range, quiet ones too, when that is a
    // readable number of bars.
    let step = if hourly {
        chrono::Duration::hours(1)
    } else {
        chrono::Duration::days(1)
    };
    let label = |t: DateTime<Utc>| bucket_label(t, hourly);
    let mut series: Vec<(String, u64)> = Vec::new();
    let mut at = from;
    while at < until && series.len() <= 62 {
        let k = label(at);
        series.push((k.clone(), t.per_bucket.get(&k).copied().unwrap_or(0)));
        at += step;
    }
    if at < until {
        series = t.per_bucket.iter().map(|(k, v)| (k.clone(), *v)).collect();
    }
    blocks.push(Block::Chart {
        caption: format!("Alarms raised per {}", if hourly { "hour" } else { "day" }),
        svg: svg::bars(&series, svg::BLUE),
        text: series
            .iter()
            .map(|(k, v)| format!("{k:>8} {v:>6} {}", "#".repeat((*v).min(60) as usize)))
            .collect::<Vec<_>>()
            .join("\n"),
    });
    blocks.push(Block::Table {
        head: vec!["severity".into(), "raised".into()],
        rows: t
            .by_severity
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect(),
    });
    let mut services: Vec<(&String, &u64)> = t.by_service.iter().collect();
    services.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    blocks.push(Block::Table {
        head: vec!["service".into(), "raised".into()],
        rows: services
            .iter()
            .map(|(k, v)| vec![k.to_string(), v.to_string()])
            .collect(),
    });
    blocks.push(Block::Heading("MTTA / MTTR trend".into()));
    let mut by_bucket: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for l in &t.lives {
        let key = bucket_label(l.raised, hourly);
        let e = by_bucket.entry(key).or_default();
        if let Some(a) = l.acked {
            e.0.push((a - l.raised).num_seconds());
        }
        if let Some(r) = l.resolved {
            e.1.push((r - l.raised).num_seconds());
        }
    }
    blocks.push(Block::Table {
        head: ["when", "MTTA", "MTTR"].map(String::from).to_vec(),
        rows: by_bucket
            .iter()
            .map(|(k, (a, r))| vec![k.clone(), secs(mean(a)), secs(mean(r))])
            .collect(),
    });
    blocks.push(Block::Heading("Noisiest alarms".into()));
    let mut noisy: Vec<(&String, &u64)> = t.raised_by_name.iter().collect();
    noisy.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    blocks.push(Block::Table {
        head: ["alarm", "raised", "flapping"].map(String::from).to_vec(),
        rows: noisy
            .iter()
            .take(10)
            .map(|(k, v)| {
                vec![
                    k.to_string(),
                    v.to_string(),
                    if **v > 3 { "yes".into() } else { "no".into() },
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Plans run".into()));
    blocks.push(Block::Table {
        head: ["plan", "runs", "succeeded", "success rate"]
            .map(String::from)
            .to_vec(),
        rows: t
            .plans
            .iter()
            .map(|(p, (n, ok))| {
                vec![
                    p.clone(),
                    n.to_string(),
                    ok.to_string(),
                    format!("{}%", ok * 100 / (*n).max(1)),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Changes".into()));
    blocks.push(Block::Table {
        head: ["change", "title", "operator", "opened", "outcome"]
            .map(String::from)
            .to_vec(),
        rows: t.changes,
    });
    blocks.push(Block::Heading("Faults injected by provider".into()));
    blocks.push(Block::Table {
        head: vec!["provider".into(), "injections".into()],
        rows: t
            .fault_providers
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect(),
    });
    blocks.push(Block::Heading("Drills".into()));
    blocks.push(Block::Table {
        head: vec!["verdict".into(), "drills".into()],
        rows: t
            .drills
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect(),
    });
    blocks.push(Block::Heading("Open improvement items".into()));
    let today = until.date_naive();
    blocks.push(Block::Table {
        head: ["item", "title", "owner", "due", "status"]
            .map(String::from)
            .to_vec(),
        rows: drills
            .items_sorted(today)
            .into_iter()
            .filter(|i| i.now.status != ItemStatus::Done)
            .map(|i| {
                let n = &i.now;
                let due = match n.due {
                    Some(d) if n.overdue(today) => format!("✗ {d} (overdue)"),
                    Some(d) => d.to_string(),
                    None => "—".into(),
                };
                vec![
                    n.item.clone(),
                    n.title.clone(),
                    n.owner.clone(),
                    due,
                    n.status.as_str().into(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading("Inspection results".into()));
    blocks.push(Block::Table {
        head: ["inspection", "last run", "result"]
            .map(String::from)
            .to_vec(),
        rows: t
            .inspections
            .iter()
            .map(|(p, (at, s))| vec![p.clone(), when(*at), s.clone()])
            .collect(),
    });
    Doc {
        title: format!(
            "O&M report {} – {}",
            from.format("%Y-%m-%d %H:%M"),
            until.format("%Y-%m-%d %H:%M UTC")
        ),
        stamp: Stamp {
            kind: "monthly".into(),
            args: args.to_vec(),
            first: t.first,
            last,
            source: None,
        },
        blocks,
    }
}
