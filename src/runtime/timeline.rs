//! Running the timeline room's reads (`Effect::Timeline`): each opens its
//! own read-only connection on a blocking thread, walks the journal through
//! `crate::timeline::read` and answers with `Msg::Timeline`, so a scan of a
//! million rows never holds up the render loop.

use crate::app::Msg;
use crate::app::timeline::{TimelineEffect, TimelineMsg};
use crate::journal::Journal;
use crate::timeline::read;
use std::path::Path;
use tokio::sync::mpsc;

pub fn run(effect: TimelineEffect, tx: &mpsc::Sender<Msg>) {
    let tx = tx.clone();
    let work = move || {
        let seq = match &effect {
            TimelineEffect::Load { seq, .. } => Some(*seq),
            _ => None,
        };
        let answer = answer(effect).unwrap_or_else(|why| TimelineMsg::Failed { seq, why });
        // The console may be gone by now; nobody is left to tell.
        let _ = tx.blocking_send(Msg::Timeline(answer));
    };
    match tokio::runtime::Handle::try_current() {
        Ok(h) => {
            h.spawn_blocking(work);
        }
        Err(_) => {
            std::thread::spawn(work);
        }
    }
}

fn answer(effect: TimelineEffect) -> Result<TimelineMsg, String> {
    let open = |path: &str| Journal::open_readonly(Path::new(path)).map_err(|e| e.to_string());
    match effect {
        TimelineEffect::Load {
            journal,
            seq,
            window,
        } => {
            let j = open(&journal)?;
            let lanes = read::lanes(&j, window, Default::default()).map_err(|e| e.to_string())?;
            Ok(TimelineMsg::Loaded {
                seq,
                lanes: Box::new(lanes),
            })
        }
        TimelineEffect::Board { journal, at } => {
            let j = open(&journal)?;
            let board = read::board_at(&j, at).map_err(|e| e.to_string())?;
            Ok(TimelineMsg::Board {
                at,
                board: Box::new(board),
            })
        }
        TimelineEffect::Event { journal, id } => {
            let j = open(&journal)?;
            match read::event(&j, id).map_err(|e| e.to_string())? {
                Some(ev) => Ok(TimelineMsg::Event(Box::new(ev))),
                None => Err(format!("no row #{id} in the journal")),
            }
        }
    }
}
