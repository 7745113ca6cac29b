//! The timeline from the command line (`cocpit timeline`) and the journal
//! reads behind the Timeline view and time travel: the same lanes the view
//! draws (`domain::timeline`), read from the journal.

pub mod cli;
pub mod read;
