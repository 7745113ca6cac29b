//! One file per view (the body of the screen) and per overlay.

pub mod alarm_detail;
pub mod alarms;
pub mod faults;
pub mod help;
pub mod log;
pub mod monitor;
pub mod note;
pub mod prompt;
pub mod silence;
pub mod targets;
pub mod too_small;
