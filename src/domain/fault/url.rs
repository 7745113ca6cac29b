//! `http://` URLs as the fault providers and probes take them, parsed
//! without opening anything: the inject form and the CLI check a probe URL
//! before the intent is recorded.

/// `http://host[:port]/path?query` → `(host, port, path)`.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("{url:?}: only http:// URLs (for https use the command provider with curl)")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("{url:?}: no host (or credentials in the URL)"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
            h.to_string(),
            p.parse::<u16>().map_err(|_| format!("{url:?}: bad port"))?,
        ),
        _ => (authority.to_string(), 80),
    };
    if path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("{url:?}: spaces or control characters in the path"));
    }
    Ok((host, port, path.to_string()))
}
