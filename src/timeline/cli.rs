//! `cocpit timeline --since 2h [--drill ID] [--format text|json]`: the
//! lanes the Timeline view draws, for scripts. Text: one line per span and
//! marker; JSON: one document of the shape documented in `docs/TIMELINE.md`.

use super::read;
use crate::domain::timeline::{LaneKind, Lanes, Only, Window};
use crate::journal::Journal;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::path::Path;

/// Around a drill's window: what led up to it and what it left behind.
pub const DRILL_MARGIN: Duration = Duration::minutes(5);

/// The JSON document's `version`: bumped when its shape changes.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How far back: `90s`, `15m`, `2h`, `1d`
    #[arg(long, default_value = "2h")]
    pub since: String,
    /// The window's end (RFC 3339); now when left out
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only the window of this drill
    #[arg(long, value_name = "ID")]
    pub drill: Option<String>,
    /// `text` (one line per span and marker) or `json`
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub fn run(journal: &Path, args: &Args) -> Result<i32, String> {
    let out = render(journal, args, Utc::now())?;
    print!("{out}");
    Ok(0)
}

/// What `run` prints, with the clock given.
pub fn render(journal: &Path, args: &Args, now: DateTime<Utc>) -> Result<String, String> {
    let json = match args.format.as_str() {
        "json" => true,
        "text" => false,
        other => return Err(format!("--format {other}: use text or json")),
    };
    let until = match &args.until {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("--until {t}: {e}"))?,
        None => now,
    };
    let since = crate::domain::silence::parse_duration(&args.since)
        .ok_or_else(|| format!("--since {}: use 90s, 15m, 2h or 1d", args.since))?;
    let j = Journal::open_readonly(journal).map_err(|e| e.to_string())?;
    let (window, only) = match &args.drill {
        None => (
            Window {
                from: until - since,
                to: Some(until),
            },
            Only::default(),
        ),
        Some(id) => {
            let d = read::drill(&j, id).map_err(|e| e.to_string())?;
            let Some(start) = d.start else {
                return Err(format!("no drill {id} in {}", journal.display()));
            };
            let end = d.end.unwrap_or(now);
            let window = Window {
                from: start - DRILL_MARGIN,
                to: Some(end + DRILL_MARGIN),
            };
            let only = Only {
                drill: Some(id.clone()),
                faults: Some(d.faults),
            };
            (window, only)
        }
    };
    let lanes = read::lanes(&j, window, only)
        .map_err(|e| e.to_string())?
        .sorted();
    Ok(if json {
        let mut s = serde_json::to_string_pretty(&to_json(&lanes, args.drill.as_deref()))
            .map_err(|e| e.to_string())?;
        s.push('\n');
        s
    } else {
        to_text(&lanes)
    })
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One line per span and marker, lane by lane, each in time order:
/// `LANE  START  END|open  TONE|KIND  LABEL  #ID`.
pub fn to_text(lanes: &Lanes) -> String {
    let mut out = String::new();
    let to = lanes.window.to.map_or("open".into(), time);
    out.push_str(&format!("# window {} .. {to}\n", time(lanes.window.from)));
    for kind in LaneKind::ALL {
        let lane = lanes.lane(kind);
        for s in &lane.spans {
            let end = s.end.map_or("open".to_string(), time);
            out.push_str(&format!(
                "{:<8} span   {} {:<20} {:<8} {}  #{}\n",
                kind.name(),
                time(s.start),
                end,
                s.tone.as_str(),
                s.label,
                s.start_id
            ));
        }
        for m in &lane.markers {
            out.push_str(&format!(
                "{:<8} marker {} {:<20} {:<8} {}  #{}\n",
                kind.name(),
                time(m.at),
                "",
                m.kind,
                m.label,
                m.id
            ));
        }
        if lane.dropped > 0 {
            out.push_str(&format!("{:<8} dropped {}\n", kind.name(), lane.dropped));
        }
    }
    out
}

/// The stable JSON shape (`docs/TIMELINE.md`).
pub fn to_json(lanes: &Lanes, drill: Option<&str>) -> Value {
    let lane = |kind: LaneKind| {
        let l = lanes.lane(kind);
        json!({
            "lane": kind.name(),
            "spans": l.spans.iter().map(|s| json!({
                "key": s.key,
                "label": s.label,
                "start": time(s.start),
                "end": s.end.map(time),
                "tone": s.tone.as_str(),
                "start_id": s.start_id,
                "end_id": s.end_id,
            })).collect::<Vec<_>>(),
            "markers": l.markers.iter().map(|m| json!({
                "at": time(m.at),
                "id": m.id,
                "kind": m.kind,
                "label": m.label,
            })).collect::<Vec<_>>(),
            "dropped": l.dropped,
        })
    };
    json!({
        "version": JSON_VERSION,
        "from": time(lanes.window.from),
        "to": lanes.window.to.map(time),
        "drill": drill,
        "lanes": LaneKind::ALL.into_iter().map(lane).collect::<Vec<_>>(),
    })
}
