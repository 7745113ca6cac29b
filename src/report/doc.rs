//! The report document: headings, paragraphs, key–value lists, tables,
//! bullet lists and inline SVG charts, rendered to Markdown or to one
//! self-contained HTML file (inline style with a print stylesheet, no
//! external asset, no script). Rendering is a pure function of the
//! document, so the same rows give the same bytes.

use std::fmt::Write;

/// What a report covers and how it was asked for: written into the file's
/// first line so `cocpit report verify` can rebuild it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// `drill`, `proposal`, `incident`.
    pub kind: String,
    /// What the kind was asked for (a drill id, a scenario id, fingerprints).
    pub args: Vec<String>,
    /// The journal rows it was built from: the last one is the newest row
    /// of the journal when it was made (later rows do not change it).
    pub first: Option<(i64, String)>,
    pub last: Option<(i64, String)>,
    /// For reports from a file rather than the journal (a proposal): the
    /// SHA-256 of that file's text.
    pub source: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Para(String),
    KeyValues(Vec<(String, String)>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    List(Vec<String>),
    /// A chart: its caption, the SVG element (already escaped inside), and
    /// what Markdown shows instead.
    Chart {
        caption: String,
        svg: String,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub stamp: Stamp,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// The machine-readable first line: `<!-- cocpit-report kind=… -->`.
/// Values are percent-encoded so a space or `-->` in an id cannot break it.
pub fn stamp_line(s: &Stamp, format: Format) -> String {
    let mut line = format!(
        "<!-- cocpit-report v1 format={} kind={}",
        format.as_str(),
        enc(&s.kind)
    );
    for a in &s.args {
        line.push_str(&format!(" arg={}", enc(a)));
    }
    if let Some((id, _)) = &s.last {
        line.push_str(&format!(" through={id}"));
    }
    if let Some((name, hash)) = &s.source {
        line.push_str(&format!(" source={} sha256={hash}", enc(name)));
    }
    line.push_str(" -->");
    line
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.:@/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub fn dec(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a report's first line says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub format: Option<Format>,
    pub kind: String,
    pub args: Vec<String>,
    pub through: Option<i64>,
    pub source: Option<(String, String)>,
}

pub fn parse_stamp(text: &str) -> Result<Parsed, String> {
    let line = text
        .lines()
        .find(|l| l.starts_with("<!-- cocpit-report "))
        .ok_or("no `<!-- cocpit-report …` line: not a cocpit report")?;
    let mut p = Parsed::default();
    let mut source_name = None;
    for word in line.split_whitespace().skip(2) {
        let Some((k, v)) = word.split_once('=') else {
            continue;
        };
        let v = dec(v).ok_or_else(|| format!("report stamp: {k} is not readable"))?;
        match k {
            "format" => p.format = Format::parse(&v),
            "kind" => p.kind = v,
            "arg" => p.args.push(v),
            "through" => {
                p.through = Some(
                    v.parse()
                        .map_err(|_| format!("report stamp: through={v:?} is not a row id"))?,
                )
            }
            "source" => source_name = Some(v),
            "sha256" => p.source = source_name.take().map(|n| (n, v)),
            _ => {}
        }
    }
    if p.kind.is_empty() {
        return Err("report stamp: no kind".into());
    }
    Ok(p)
}

/// The rows (or file) it covers, in words, for the report's body.
fn coverage(s: &Stamp) -> String {
    let row = |(id, hash): &(i64, String)| format!("#{id} ({})", short(hash));
    let mut parts = Vec::new();
    match (&s.first, &s.last) {
        (Some(f), Some(l)) => parts.push(format!("journal rows {} to {}", row(f), row(l))),
        (None, Some(l)) => parts.push(format!("the journal through row {}", row(l))),
        _ if s.source.is_none() => parts.push("no journal rows".to_string()),
        _ => {}
    }
    if let Some((name, hash)) = &s.source {
        parts.push(format!("{name} (sha256 {})", short(hash)));
    }
    format!(
        "Built by cocpit from {} alone; `cocpit report verify` rebuilds it from them.",
        parts.join(" and ")
    )
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

// ---- Markdown ----

/// Markdown text: table pipes and backslashes escaped, angle brackets as
/// entities (a renderer would take `<x>` for HTML), one line.
fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

pub fn markdown(d: &Doc) -> String {
    let mut out = String::new();
    out.push_str(&stamp_line(&d.stamp, Format::Markdown));
    out.push_str("\n\n");
    let _ = writeln!(out, "# {}\n", md_cell(&d.title));
    let _ = writeln!(out, "_{}_\n", coverage(&d.stamp));
    for b in &d.blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "## {}\n", md_cell(h));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "{}\n", md_cell(p));
            }
            Block::KeyValues(kv) => {
                for (k, v) in kv {
                    let _ = writeln!(out, "- **{}:** {}", md_cell(k), md_cell(v));
                }
                out.push('\n');
            }
            Block::Table { head, rows } => {
                let _ = writeln!(
                    out,
                    "| {} |",
                    head.iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for r in rows {
                    let _ = writeln!(
                        out,
                        "| {} |",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    );
                }
                if rows.is_empty() {
                    let _ = writeln!(out, "| {} |", vec!["—"; head.len()].join(" | "));
                }
                out.push('\n');
            }
            Block::List(items) => {
                if items.is_empty() {
                    out.push_str("- none\n");
                }
                for i in items {
                    let _ = writeln!(out, "- {}", md_cell(i));
                }
                out.push('\n');
            }
            Block::Chart { caption, text, .. } => {
                let _ = writeln!(out, "**{}**\n\n```\n{}\n```\n", md_cell(caption), text);
            }
        }
    }
    out
}

// ---- HTML ----

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.6rem;border-bottom:2px solid #1b1f24;padding-bottom:.3rem}\
h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #c8ccd1}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{border:1px solid #c8ccd1;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef0f2}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}\
.cover{color:#57606a;font-style:italic}\
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}\
svg{max-width:100%;height:auto}\
.ok{color:#116329}.bad{color:#a40e26}\
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,figure{break-inside:avoid}a{color:inherit;text-decoration:none}}";

/// Table cells get a class when they say a check held or missed.
fn cell_class(c: &str) -> &'static str {
    if c.starts_with('✓') {
        " class=\"ok\""
    } else if c.starts_with('✗') {
        " class=\"bad\""
    } else {
        ""
    }
}

pub fn html(d: &Doc) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&stamp_line(&d.stamp, Format::Html));
    out.push('\n');
    let _ = write!(
        out,
        "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&d.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&d.title));
    let _ = writeln!(out, "<p class=\"cover\">{}</p>", esc(&coverage(&d.stamp)));
    for b in &d.blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "<h2>{}</h2>", esc(h));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "<p>{}</p>", esc(p));
            }
            Block::KeyValues(kv) => {
                out.push_str("<dl>\n");
                for (k, v) in kv {
                    let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
                }
                out.push_str("</dl>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", esc(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td{}>{}</td>", cell_class(c), esc(c));
                    }
                    out.push_str("</tr>\n");
                }
                if rows.is_empty() {
                    let _ = writeln!(
                        out,
                        "<tr><td colspan=\"{}\">none</td></tr>",
                        head.len().max(1)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                if items.is_empty() {
                    out.push_str("<li>none</li>\n");
                }
                for i in items {
                    let _ = writeln!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Chart { caption, svg, .. } => {
                let _ = writeln!(
                    out,
                    "<figure>\n<figcaption>{}</figcaption>\n{svg}\n</figure>",
                    esc(caption)
                );
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

pub fn render(d: &Doc, f: Format) -> String {
    match f {
        Format::Markdown => markdown(d),
        Format::Html => html(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_survives_odd_ids_and_reads_back() {
        let s = Stamp {
            kind: "drill".into(),
            args: vec!["d 1 --> <x>".into()],
            first: Some((1, "aa".into())),
            last: Some((42, "bb".into())),
            source: None,
        };
        let line = stamp_line(&s, Format::Html);
        assert!(!line[4..line.len() - 3].contains("-->"), "{line}");
        let p = parse_stamp(&line).unwrap();
        assert_eq!(p.kind, "drill");
        assert_eq!(p.args, vec!["d 1 --> <x>".to_string()]);
        assert_eq!(p.through, Some(42));
        assert_eq!(p.format, Some(Format::Html));
    }

    #[test]
    fn html_escapes_what_it_is_given() {
        let d = Doc {
            title: "<script>alert(1)</script>".into(),
            stamp: Stamp {
                kind: "drill".into(),
                args: vec![],
                first: None,
                last: None,
                source: None,
            },
            blocks: vec![Block::Table {
                head: vec!["a".into()],
                rows: vec![vec!["<img src=x onerror=y>".into()]],
            }],
        };
        let h = html(&d);
        assert!(!h.contains("<script>") && !h.contains("<img"), "{h}");
    }
}
