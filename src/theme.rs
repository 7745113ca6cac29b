//! Colour themes as data: `themes/*.toml` parsed into a palette of named
//! roles, and the colour mode (truecolor, 256, 16, none) that decides how
//! those colours reach a terminal that may not forward COLORTERM over SSH.
//!
//! A theme file:
//!
//! ```toml
//! name = "dark"
//! [colors]            # every role, as "#rrggbb", a named ANSI colour or 0..=255
//! critical = "#ff5f5f"
//! # …
//! [colors256]         # optional: explicit xterm-256 picks, by role
//! critical = 203
//! [colors16]          # optional: explicit 16-colour picks, by role
//! critical = "lightred"
//! ```
//!
//! Roles missing from `[colors256]`/`[colors16]` get the nearest colour,
//! computed once per frame by [`Theme::resolved`] (18 colours, not per cell).

use ratatui::style::Color;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

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

/// Decide the colour mode from the environment (`NO_COLOR`, `COLORTERM`,
/// `TERM`), passed in so this stays pure and testable.
///
/// sshd does not forward `COLORTERM`, so over SSH a `TERM` ending in
/// `256color` is the usual signal and 256 colours the usual result.
pub fn detect(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> ColorMode {
    // https://no-color.org: set and non-empty means no colour at all.
    if no_color.is_some_and(|v| !v.is_empty()) {
        return ColorMode::None;
    }
    let term = term.unwrap_or("").to_ascii_lowercase();
    if term == "dumb" {
        return ColorMode::None;
    }
    let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
    if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
        return ColorMode::Truecolor;
    }
    if term.contains("256color") {
        return ColorMode::Ansi256;
    }
    ColorMode::Ansi16
}

/// Explicit per-role picks for a reduced colour mode (`[colors256]`, `[colors16]`).
pub type Fallbacks = BTreeMap<String, Color>;

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
    /// `[colors256]`: used instead of the computed nearest index.
    pub fallback256: Fallbacks,
    /// `[colors16]`: used instead of the computed nearest ANSI colour.
    pub fallback16: Fallbacks,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme {
            name: "dark".into(),
            fg: Color::Rgb(0xd0, 0xd0, 0xd0),
            bg: Color::Reset,
            dim: Color::Rgb(0x80, 0x80, 0x80),
            accent: Color::Rgb(0x5f, 0xaf, 0xff),
            border: Color::Rgb(0x6c, 0x6c, 0x6c),
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
            fallback256: Fallbacks::new(),
            fallback16: Fallbacks::new(),
        }
    }
}

/// Shipped themes, compiled in so the binary works from any directory.
const EMBEDDED: [(&str, &str); 4] = [
    ("themes/dark.toml", include_str!("../themes/dark.toml")),
    ("themes/light.toml", include_str!("../themes/light.toml")),
    (
        "themes/high-contrast.toml",
        include_str!("../themes/high-contrast.toml"),
    ),
    (
        "themes/colorblind.toml",
        include_str!("../themes/colorblind.toml"),
    ),
];

impl Theme {
    /// Every colour role by name, for parsing and resolving in one place.
    fn roles_mut(&mut self) -> [(&'static str, &mut Color); 17] {
        [
            ("fg", &mut self.fg),
            ("bg", &mut self.bg),
            ("dim", &mut self.dim),
            ("accent", &mut self.accent),
            ("border", &mut self.border),
            ("selection_fg", &mut self.selection_fg),
            ("selection_bg", &mut self.selection_bg),
            ("header_fg", &mut self.header_fg),
            ("header_bg", &mut self.header_bg),
            ("critical", &mut self.critical),
            ("major", &mut self.major),
            ("minor", &mut self.minor),
            ("warning", &mut self.warning),
            ("info", &mut self.info),
            ("ok", &mut self.ok),
            ("acked", &mut self.acked),
            ("error", &mut self.error),
        ]
    }

    /// The names of every colour role a theme file must set.
    pub fn role_names() -> Vec<&'static str> {
        Theme::default().roles_mut().map(|(n, _)| n).to_vec()
    }

    /// The themes shipped in `themes/`, dark first (the default).
    pub fn embedded() -> Vec<Theme> {
        EMBEDDED
            .iter()
            .filter_map(|(path, text)| match Theme::from_toml(text) {
                Ok(t) => Some(t),
                Err(e) => {
                    // A broken shipped theme is a build-time bug caught by the
                    // tests; at run time the others must still load.
                    tracing::error!("embedded theme {path}: {e}");
                    None
                }
            })
            .collect()
    }

    /// Parse a theme file. Errors name the key and say what is wrong.
    pub fn from_toml(text: &str) -> Result<Theme, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        let mut theme = Theme::default();
        let mut seen = Vec::new();
        for (key, value) in &table {
            match key.as_str() {
                "name" => match value.as_str() {
                    Some(n) if !n.trim().is_empty() => theme.name = n.trim().to_string(),
                    _ => return Err("name: must be a non-empty string".into()),
                },
                "colors" => {
                    let colors = section(key, value)?;
                    for (role, v) in colors {
                        let slot = theme
                            .roles_mut()
                            .into_iter()
                            .find(|(n, _)| *n == role.as_str())
                            .map(|(_, c)| c)
                            .ok_or_else(|| unknown_role(key, role))?;
                        *slot = color_value(v).map_err(|e| format!("colors.{role}: {e}"))?;
                        seen.push(role.clone());
                    }
                }
                "colors256" | "colors16" => {
                    let mut fallbacks = Fallbacks::new();
                    for (role, v) in section(key, value)? {
                        if !Theme::role_names().contains(&role.as_str()) {
                            return Err(unknown_role(key, role));
                        }
                        let c = color_value(v).map_err(|e| format!("{key}.{role}: {e}"))?;
                        if let Color::Rgb(..) = c {
                            return Err(format!(
                                "{key}.{role}: must be a palette colour (a name or an index), \
                                 not an RGB value"
                            ));
                        }
                        if key == "colors16" && matches!(c, Color::Indexed(i) if i > 15) {
                            return Err(format!("{key}.{role}: index must be 0..=15"));
                        }
                        fallbacks.insert(role.clone(), c);
                    }
                    if key == "colors256" {
                        theme.fallback256 = fallbacks;
                    } else {
                        theme.fallback16 = fallbacks;
                    }
                }
                other => {
                    return Err(format!(
                        "{other}: unknown key (expected name, colors, colors256, colors16)"
                    ));
                }
            }
        }
        if !table.contains_key("name") {
            return Err("name: missing".into());
        }
        let missing: Vec<&str> = Theme::role_names()
            .into_iter()
            .filter(|r| !seen.iter().any(|s| s == r))
            .collect();
        if !missing.is_empty() {
            return Err(format!("colors: missing {}", missing.join(", ")));
        }
        Ok(theme)
    }

    /// The colours as they will be sent in `mode`: the nearest xterm-256
    /// index, the nearest (or explicit) 16-colour pick, or no colour at all.
    /// `Auto` (not yet resolved by the runtime with [`detect`]) passes the
    /// colours through unchanged. Cheap (17 colours); `ui` calls it once per
    /// frame, never per cell.
    pub fn resolved(&self, mode: ColorMode) -> Theme {
        let mut out = self.clone();
        let fb256 = self.fallback256.clone();
        let fb16 = self.fallback16.clone();
        for (role, c) in out.roles_mut() {
            *c = match mode {
                ColorMode::Auto | ColorMode::Truecolor => *c,
                ColorMode::Ansi256 => fb256.get(role).copied().unwrap_or_else(|| to_256(*c)),
                ColorMode::Ansi16 => fb16.get(role).copied().unwrap_or_else(|| to_16(*c)),
                ColorMode::None => Color::Reset,
            };
        }
        out
    }
}

/// Load every `*.toml` in `dir` over the embedded themes: a user theme with
/// the name of a shipped one replaces it, others are added. Returns the full
/// list and one message per file that could not be used (`path: why`). A
/// missing directory is not an error: most users have no themes of their own.
pub fn load_dir(dir: &Path) -> (Vec<Theme>, Vec<String>) {
    let mut themes = Theme::embedded();
    let mut errors = Vec::new();
    let mut paths: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            Vec::new()
        }
    };
    // Deterministic order, so two files with one name resolve the same way every time.
    paths.sort();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| Theme::from_toml(&text));
        match parsed {
            Ok(t) => match themes.iter_mut().find(|x| x.name == t.name) {
                Some(slot) => *slot = t,
                None => themes.push(t),
            },
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (themes, errors)
}

/// `line L, column C: message`, since toml's own message spans several lines.
fn syntax_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

fn section<'a>(key: &str, value: &'a toml::Value) -> Result<&'a toml::Table, String> {
    value
        .as_table()
        .ok_or_else(|| format!("{key}: must be a table ([{key}])"))
}

fn unknown_role(section: &str, role: &str) -> String {
    format!(
        "{section}.{role}: unknown colour role (known: {})",
        Theme::role_names().join(", ")
    )
}

fn color_value(v: &toml::Value) -> Result<Color, String> {
    match v {
        toml::Value::String(s) => parse_color(s),
        toml::Value::Integer(i) => u8::try_from(*i)
            .map(Color::Indexed)
            .map_err(|_| format!("index {i} is outside 0..=255")),
        _ => Err("expected \"#rrggbb\", a colour name or an index 0..=255".into()),
    }
}

/// `"#rrggbb"`, a named ANSI colour (`red`, `lightred`, `darkgray` …),
/// `reset`/`default`, or a palette index as a string.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("{s:?} is not #rrggbb"));
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        return Ok(Color::Rgb(byte(0), byte(2), byte(4)));
    }
    if let Ok(i) = s.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    let norm: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("grey", "gray")
        .replace("bright", "light");
    let c = match norm.as_str() {
        "reset" | "default" | "none" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "darkgray" | "lightblack" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" | "lightwhite" => Color::White,
        _ => {
            return Err(format!(
                "{s:?} is not a colour (use \"#rrggbb\", a name like \"lightred\", or 0..=255)"
            ));
        }
    };
    Ok(c)
}

/// The 16 ANSI colours with xterm's default RGB values, for nearest matching.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// Levels of the xterm 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// "Redmean" distance: cheap and closer to perception than plain RGB.
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let rmean = (a.0 as i32 + b.0 as i32) / 2;
    let dr = a.0 as i32 - b.0 as i32;
    let dg = a.1 as i32 - b.1 as i32;
    let db = a.2 as i32 - b.2 as i32;
    (((512 + rmean) * dr * dr) / 256 + 4 * dg * dg + ((767 - rmean) * db * db) / 256) as u32
}

/// RGB of an xterm-256 palette index (16..=255 are fixed; 0..=15 use xterm defaults).
pub fn index_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE[(n / 36) as usize],
                CUBE[((n / 6) % 6) as usize],
                CUBE[(n % 6) as usize],
            )
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

/// Nearest xterm-256 index (16..=255: the first 16 vary per terminal palette).
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> usize {
        CUBE.iter()
            .enumerate()
            .min_by_key(|(_, c)| (**c as i32 - v as i32).abs())
            .map(|(i, _)| i)
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = 16 + 36 * ri as u8 + 6 * gi as u8 + bi as u8;
    let avg = ((r as u16 + g as u16 + b as u16) / 3) as u8;
    let grey = 232 + (avg.saturating_sub(3) / 10).min(23);
    if distance((r, g, b), index_rgb(grey)) < distance((r, g, b), index_rgb(cube)) {
        grey
    } else {
        cube
    }
}

/// The RGB a colour is drawn with (xterm's defaults for the 16 ANSI
/// colours); `None` for `Reset`, the terminal's own colour.
pub fn rgb(c: Color) -> Option<(u8, u8, u8)> {
    match c {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(index_rgb(i)),
        Color::Reset => None,
        named => ANSI16
            .iter()
            .find(|(n, _)| *n == named)
            .map(|(_, rgb)| *rgb),
    }
}

/// WCAG relative luminance of an sRGB colour.
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two colours, 1.0 to 21.0 (4.5 is the minimum for text).
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Black or white, whichever reads better on `bg` (text on a coloured chip).
pub fn text_on(bg: Color) -> Color {
    match rgb(bg) {
        Some(c) if contrast(c, (0, 0, 0)) >= contrast(c, (255, 255, 255)) => match bg {
            Color::Rgb(..) => Color::Rgb(0, 0, 0),
            Color::Indexed(i) if i >= 16 => Color::Indexed(16),
            _ => Color::Black,
        },
        Some(_) => match bg {
            Color::Rgb(..) => Color::Rgb(255, 255, 255),
            Color::Indexed(i) if i >= 16 => Color::Indexed(231),
            _ => Color::White,
        },
        None => Color::Reset,
    }
}

/// Nearest of the 16 ANSI colours.
pub fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| distance((r, g, b), *rgb))
        .map(|(c, _)| *c)
        .unwrap_or(Color::Reset)
}

fn to_256(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => Color::Indexed(nearest_256(r, g, b)),
        other => other,
    }
}

fn to_16(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => nearest_16(r, g, b),
        Color::Indexed(i) if i < 16 => ANSI16[i as usize].0,
        Color::Indexed(i) => {
            let (r, g, b) = index_rgb(i);
            nearest_16(r, g, b)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_themes_all_parse_and_dark_is_first() {
        for (path, text) in EMBEDDED {
            if let Err(e) = Theme::from_toml(text) {
                panic!("{path}: {e}");
            }
        }
        let themes = Theme::embedded();
        let names: Vec<_> = themes.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["dark", "light", "high-contrast", "colorblind"]);
    }

    #[test]
    fn dark_file_matches_the_built_in_default() {
        let dark = &Theme::embedded()[0];
        let mut plain = dark.clone();
        plain.fallback16.clear();
        plain.fallback256.clear();
        assert_eq!(plain, Theme::default());
    }

    #[test]
    fn errors_name_the_key() {
        let ok = include_str!("../themes/dark.toml");
        let bad_hex = ok.replace("critical = \"#ff5f5f\"", "critical = \"#ff5f\"");
        let e = Theme::from_toml(&bad_hex).unwrap_err();
        assert!(e.starts_with("colors.critical:"), "{e}");
        let typo = ok.replace("critical =", "critcal =");
        let e = Theme::from_toml(&typo).unwrap_err();
        assert!(e.contains("colors.critcal: unknown colour role"), "{e}");
        let e = Theme::from_toml("name = \"x\"\n[colors]\nfg = \"red\"\n").unwrap_err();
        assert!(e.starts_with("colors: missing bg, dim"), "{e}");
        let e = Theme::from_toml("[colors]\n").unwrap_err();
        assert_eq!(e, "name: missing");
        let rgb16 = ok.replace("fg = \"gray\"", "fg = \"#ffffff\"");
        let e = Theme::from_toml(&rgb16).unwrap_err();
        assert!(
            e.starts_with("colors16.fg: must be a palette colour"),
            "{e}"
        );
        let e = Theme::from_toml("name = \"x\"\nname = \"y\"\n").unwrap_err();
        assert!(e.starts_with("line 2, column 1: "), "{e}");
    }

    #[test]
    fn parse_color_forms() {
        assert_eq!(parse_color("#ff8700"), Ok(Color::Rgb(255, 135, 0)));
        assert_eq!(parse_color("LightRed"), Ok(Color::LightRed));
        assert_eq!(parse_color("bright-red"), Ok(Color::LightRed));
        assert_eq!(parse_color("dark_grey"), Ok(Color::DarkGray));
        assert_eq!(parse_color("203"), Ok(Color::Indexed(203)));
        assert_eq!(parse_color("reset"), Ok(Color::Reset));
        assert!(parse_color("#xyzxyz").is_err());
        assert!(parse_color("chartreuse").is_err());
    }

    #[test]
    fn detect_follows_the_environment() {
        use ColorMode::{Ansi16, Ansi256, Truecolor};
        assert_eq!(
            detect(Some("1"), Some("truecolor"), Some("xterm")),
            ColorMode::None
        );
        assert_eq!(
            detect(Some(""), Some("truecolor"), Some("xterm")),
            Truecolor
        );
        assert_eq!(detect(None, Some("24bit"), None), Truecolor);
        assert_eq!(detect(None, None, Some("xterm-256color")), Ansi256);
        assert_eq!(detect(None, None, Some("screen-256color")), Ansi256);
        assert_eq!(detect(None, None, Some("dumb")), ColorMode::None);
        assert_eq!(detect(None, None, Some("xterm")), Ansi16);
        assert_eq!(detect(None, None, None), Ansi16);
    }

    #[test]
    fn nearest_colours() {
        assert_eq!(nearest_256(0xff, 0x5f, 0x5f), 203);
        assert_eq!(nearest_256(0xff, 0x87, 0x00), 208);
        assert_eq!(nearest_256(0x30, 0x30, 0x30), 236);
        assert_eq!(nearest_256(0, 0, 0), 16);
        assert_eq!(nearest_256(255, 255, 255), 231);
        for i in 16..=255u8 {
            let (r, g, b) = index_rgb(i);
            assert_eq!(index_rgb(nearest_256(r, g, b)), (r, g, b), "index {i}");
        }
        assert_eq!(nearest_16(250, 10, 10), Color::LightRed);
        assert_eq!(nearest_16(0, 0, 0), Color::Black);
    }

    #[test]
    fn contrast_ratios() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((contrast((10, 20, 30), (10, 20, 30)) - 1.0).abs() < 1e-9);
        assert_eq!(text_on(Color::Rgb(0xff, 0xff, 0x00)), Color::Rgb(0, 0, 0));
        assert_eq!(
            text_on(Color::Rgb(0x00, 0x00, 0x80)),
            Color::Rgb(255, 255, 255)
        );
        assert_eq!(text_on(Color::LightYellow), Color::Black);
        assert_eq!(text_on(Color::Indexed(18)), Color::Indexed(231));
        assert_eq!(rgb(Color::Reset), None);
        assert_eq!(rgb(Color::White), Some((255, 255, 255)));
    }

    #[test]
    fn resolved_uses_fallbacks_then_nearest() {
        let dark = &Theme::embedded()[0];
        let t256 = dark.resolved(ColorMode::Ansi256);
        assert!(matches!(t256.fg, Color::Indexed(_)));
        assert_eq!(t256.bg, Color::Reset);
        let t16 = dark.resolved(ColorMode::Ansi16);
        assert_eq!(t16.critical, Color::LightRed);
        let none = dark.resolved(ColorMode::None);
        assert!(
            none.clone()
                .roles_mut()
                .iter()
                .all(|(_, c)| **c == Color::Reset)
        );
        assert_eq!(dark.resolved(ColorMode::Truecolor), *dark);
    }

    #[test]
    fn load_dir_overrides_by_name_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let light =
            include_str!("../themes/dark.toml").replace("name = \"dark\"", "name = \"light\"");
        std::fs::write(dir.path().join("mine.toml"), &light).unwrap();
        let extra = light.replace("name = \"light\"", "name = \"mine\"");
        std::fs::write(dir.path().join("other.toml"), extra).unwrap();
        std::fs::write(
            dir.path().join("broken.toml"),
            "name = \"b\"\n[colors]\nfg = 1.5\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let (themes, errors) = load_dir(dir.path());
        let names: Vec<_> = themes.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["dark", "light", "high-contrast", "colorblind", "mine"]
        );
        // The user's "light" replaced the shipped one (it has dark's colours).
        assert_eq!(themes[1].fg, Theme::default().fg);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("broken.toml: colors.fg:"), "{errors:?}");
        let (themes, errors) = load_dir(&dir.path().join("absent"));
        assert_eq!(themes.len(), 4);
        assert!(errors.is_empty());
    }
}
