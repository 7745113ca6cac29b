//! One file per view (the body of the screen) and per part of one.

pub mod alarm_detail;
pub mod alarms;
pub mod drills;
pub mod faults;
pub mod improvements;
pub mod log;
pub mod monitor;
pub mod plans;
pub mod plans_form;
pub mod prompt;
pub mod risks;
pub mod targets;
pub mod timeline;
pub mod too_small;
