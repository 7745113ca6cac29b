//! The timeline from the command line (`cocpit timeline`): the same lanes
//! the Timeline view draws, read from the journal, for scripts.

pub mod cli;
