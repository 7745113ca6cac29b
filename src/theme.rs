//! Colour themes as data: `themes/*.toml` parsed into a palette of named
//! roles, and the colour mode (truecolor, 256, 16, none) that decides how
//! those colours reach a terminal that may not forward COLORTERM over SSH.

use ratatui::style::Color;
use serde::Deserialize;

/// How many colours the terminal can take. `Auto` is resolved by the runtime
/// from `NO_COLOR`, `COLORTERM` and `TERM` before the first frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    #[default]
    Auto,
    Truecolor,
    #[serde(rename = "256")]
    Ansi256,
    #[serde(rename = "16")]
    Ansi16,
    None,
}

/// The palette: one colour per role the UI draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub bg: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub header_fg: Color,
    pub header_bg: Color,
    pub critical: Color,
    pub major: Color,
    pub minor: Color,
    pub warning: Color,
    pub info: Color,
    pub ok: Color,
    pub acked: Color,
    pub error: Color,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme {
            name: "dark".into(),
            fg: Color::Rgb(0xd0, 0xd0, 0xd0),
            bg: Color::Reset,
            dim: Color::Rgb(0x80, 0x80, 0x80),
            accent: Color::Rgb(0x5f, 0xaf, 0xff),
            border: Color::Rgb(0x5f, 0x5f, 0x5f),
            selection_fg: Color::Rgb(0xff, 0xff, 0xff),
            selection_bg: Color::Rgb(0x26, 0x4f, 0x78),
            header_fg: Color::Rgb(0xff, 0xff, 0xff),
            header_bg: Color::Rgb(0x30, 0x30, 0x30),
            critical: Color::Rgb(0xff, 0x5f, 0x5f),
            major: Color::Rgb(0xff, 0x87, 0x00),
            minor: Color::Rgb(0xff, 0xd7, 0x00),
            warning: Color::Rgb(0xff, 0xd7, 0x5f),
            info: Color::Rgb(0x5f, 0xaf, 0xff),
            ok: Color::Rgb(0x5f, 0xd7, 0x87),
            acked: Color::Rgb(0x87, 0x87, 0xaf),
            error: Color::Rgb(0xff, 0x00, 0x5f),
        }
    }
}
