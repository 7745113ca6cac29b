//! The Log view.

use super::fixtures::*;

#[test]
fn snapshot_log() {
    snap("log", false, |s| keys(s, "3"));
}
