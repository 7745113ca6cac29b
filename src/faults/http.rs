//! A small blocking HTTP/1.1 client for the `http` and `toxiproxy`
//! providers: plain `http://` only, one request per connection
//! (`Connection: close`), Content-Length or chunked bodies, a timeout on
//! connect, read and write. Fault APIs (Toxiproxy on :8474, service admin
//! endpoints) are plain HTTP on a management network; for HTTPS use the
//! `command` provider with curl.

use crate::domain::fault::url::parse_url;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

pub fn request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<Response, String> {
    if !method.chars().all(|c| c.is_ascii_uppercase()) || method.is_empty() {
        return Err(format!("bad HTTP method {method:?}"));
    }
    let (host, port, path) = parse_url(url)?;
    for (k, v) in headers {
        if k.chars().any(|c| c.is_control() || c == ':' || c == ' ')
            || v.chars().any(|c| c == '\r' || c == '\n')
        {
            return Err(format!("header {k:?} is not a valid header"));
        }
    }
    let addr = (host.trim_start_matches('[').trim_end_matches(']'), port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nUser-Agent: cocpit\r\n"
    );
    let mut has_type = false;
    for (k, v) in headers {
        has_type |= k.eq_ignore_ascii_case("content-type");
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() && !has_type {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    req.push_str(body);
    stream
        .write_all(req.as_bytes())
        .map_err(|e| format!("send to {addr}: {e}"))?;
    read_response(stream).map_err(|e| format!("response from {addr}: {e}"))
}

fn read_response(stream: TcpStream) -> Result<Response, String> {
    let mut r = BufReader::new(stream.take(8 << 20));
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {:?}", line.trim()))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding")
                && v.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("bad chunk size {:?}", line.trim()))?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            body.extend_from_slice(&chunk);
            line.clear();
            r.read_line(&mut line).map_err(|e| e.to_string())?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body).map_err(|e| e.to_string())?;
    } else {
        r.read_to_end(&mut body).map_err(|e| e.to_string())?;
    }
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// `200`, `200,204`, `2xx`: does `status` match?
pub fn status_matches(expect: &str, status: u16) -> bool {
    expect.split(',').map(str::trim).any(|e| {
        if let Some(class) = e.strip_suffix("xx") {
            class.parse::<u16>().is_ok_and(|c| status / 100 == c)
        } else {
            e.parse::<u16>().is_ok_and(|c| c == status)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8474/proxies").unwrap(),
            ("127.0.0.1".into(), 8474, "/proxies".into())
        );
        assert_eq!(
            parse_url("http://svc").unwrap(),
            ("svc".into(), 80, "/".into())
        );
        assert!(parse_url("https://x/").is_err());
        assert!(parse_url("http://u:p@x/").is_err());
        assert!(parse_url("http://x/a b").is_err());
        assert!(status_matches("2xx", 204));
        assert!(status_matches("200, 404", 404));
        assert!(!status_matches("200", 500));
    }

    #[test]
    fn talks_to_a_real_socket_with_chunked_and_sized_bodies() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for reply in [
                "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            ] {
                let (mut s, _) = l.accept().unwrap();
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap();
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                assert!(req.contains("Connection: close"));
                s.write_all(reply.as_bytes()).unwrap();
            }
        });
        let url = format!("http://127.0.0.1:{port}/x");
        let r = request("POST", &url, &[], Some("{}"), Duration::from_secs(5)).unwrap();
        assert_eq!((r.status, r.body.as_str()), (201, "hello"));
        let r = request("GET", &url, &[], None, Duration::from_secs(5)).unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "abcde"));
        server.join().unwrap();
    }
}
