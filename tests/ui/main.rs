//! Rendering tests: snapshots of every view and overlay at two sizes, a
//! no-panic sweep over terminal sizes in every view and mode, colour checks
//! per colour mode, inert outside text, and a 100,000-alarm board.
//!
//! The state is built the way the runtime builds it: a board from journal
//! events, `State::new`, then messages through `cocpit::app::update`.
//!
//! One file per view (and one for popups, one for the whole screen), over
//! the shared `fixtures`. Snapshots keep the names and the folder
//! (`tests/snapshots/ui__*.snap`) they had when this was one file.

/// `insta::assert_snapshot!` under the names and folder the snapshots have.
macro_rules! snapshot {
    ($name:expr, $value:expr $(,)?) => {
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("ui__{}", $name), $value);
        })
    };
}

mod alarms;
mod contrast;
mod drills;
mod faults;
mod first_hour;
mod fixtures;
mod log;
mod monitor;
mod plans;
mod popups;
mod risks;
mod screen;
mod timeline;
