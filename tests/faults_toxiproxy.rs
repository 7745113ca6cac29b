//! The toxiproxy provider against a STAND-IN server: no Toxiproxy server
//! can be installed on these machines (Debian, PyPI, npm and crates.io
//! publish only clients), so this test runs a small server that follows
//! Toxiproxy's documented REST API — `GET|POST /proxies/{p}/toxics`,
//! `GET|DELETE /proxies/{p}/toxics/{name}` (404 when unknown, 409 on a
//! duplicate name), `POST /reset` — and, like Toxiproxy, really proxies
//! TCP and applies `latency` toxics to what it forwards. It checks what
//! cocpit sends, that the toxic is named `cocpit-<id>`, that traffic slows
//! down and recovers, and that recovery is idempotent.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::faults::{Env, read_request};

type Toxics = Arc<Mutex<BTreeMap<String, Value>>>;

/// The stand-in: API on one port, the proxy `svc` on another, forwarding
/// to `upstream`.
fn stand_in(upstream: u16) -> (u16, u16, Toxics) {
    let toxics: Toxics = Arc::default();
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    let api_port = api.local_addr().unwrap().port();
    let t = toxics.clone();
    std::thread::spawn(move || {
        for s in api.incoming().flatten() {
            serve_api(s, &t);
        }
    });
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = proxy.local_addr().unwrap().port();
    let t = toxics.clone();
    std::thread::spawn(move || {
        for client in proxy.incoming().flatten() {
            let t = t.clone();
            std::thread::spawn(move || forward(client, upstream, &t));
        }
    });
    (api_port, proxy_port, toxics)
}

fn serve_api(s: TcpStream, toxics: &Toxics) {
    let (method, path, body) = read_request(&s);
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut map = toxics.lock().unwrap();
    let (status, out) = match (method.as_str(), seg.as_slice()) {
        ("POST", ["reset"]) => {
            map.clear();
            (204, String::new())
        }
        ("GET", ["proxies", "svc", "toxics"]) => (
            200,
            Value::Array(map.values().cloned().collect()).to_string(),
        ),
        ("POST", ["proxies", "svc", "toxics"]) => {
            let t: Value = serde_json::from_slice(&body).unwrap();
            let name = t["name"].as_str().unwrap_or("").to_string();
            match map.entry(name) {
                std::collections::btree_map::Entry::Occupied(_) => (
                    409,
                    json!({"error": "toxic already exists", "status": 409}).to_string(),
                ),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(t.clone());
                    (200, t.to_string())
                }
            }
        }
        ("GET", ["proxies", "svc", "toxics", name]) => match map.get(*name) {
            Some(t) => (200, t.to_string()),
            None => (
                404,
                json!({"error": "toxic not found", "status": 404}).to_string(),
            ),
        },
        ("DELETE", ["proxies", "svc", "toxics", name]) => match map.remove(*name) {
            Some(_) => (204, String::new()),
            None => (
                404,
                json!({"error": "toxic not found", "status": 404}).to_string(),
            ),
        },
        (_, ["proxies", p, ..]) if *p != "svc" => (
            404,
            json!({"error": "proxy not found", "status": 404}).to_string(),
        ),
        _ => (405, String::new()),
    };
    drop(map);
    let mut s = s;
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{out}",
        out.len()
    );
}

/// One client connection: wait for the request, apply downstream latency
/// toxics, relay to the upstream and back.
fn forward(mut client: TcpStream, upstream: u16, toxics: &Toxics) {
    let mut req = [0u8; 2048];
    let n = client.read(&mut req).unwrap_or(0);
    let delay: u64 = toxics
        .lock()
        .unwrap()
        .values()
        .filter(|t| t["type"] == "latency")
        .map(|t| t["attributes"]["latency"].as_u64().unwrap_or(0))
        .sum();
    std::thread::sleep(Duration::from_millis(delay));
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
    up.write_all(&req[..n]).unwrap();
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).unwrap();
    let _ = client.write_all(&resp);
}

fn http_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    port
}

fn get(port: u16) -> Duration {
    let start = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.ends_with("ok"));
    start.elapsed()
}

#[test]
fn a_latency_toxic_is_added_named_after_the_fault_and_removed() {
    let env = Env::new();
    let (api, proxy, toxics) = stand_in(http_server());
    assert!(get(proxy) < Duration::from_millis(150));
    let id = env.inject(&[
        "toxiproxy",
        "--target",
        "svc",
        "--action",
        "latency",
        "--param",
        &format!("api=http://127.0.0.1:{api}"),
        "--param",
        "latency=400",
        "--param",
        "jitter=0",
        "--duration",
        "1m",
    ]);
    let sent = toxics
        .lock()
        .unwrap()
        .get(&format!("cocpit-{id}"))
        .cloned()
        .expect("toxic named cocpit-<id>");
    assert_eq!(sent["type"], "latency");
    assert_eq!(sent["stream"], "downstream");
    assert_eq!(sent["toxicity"], 1.0);
    assert_eq!(sent["attributes"], json!({"latency": 400, "jitter": 0}));
    assert!(get(proxy) >= Duration::from_millis(400));

    let out = env.run(&["faults", "recover", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(toxics.lock().unwrap().is_empty());
    assert!(get(proxy) < Duration::from_millis(150));

    // A toxic someone already removed (404) is recovered, not an error.
    let id2 = env.inject(&[
        "toxiproxy",
        "--target",
        "svc",
        "--action",
        "bandwidth",
        "--param",
        &format!("api=http://127.0.0.1:{api}"),
        "--param",
        "rate=64",
        "--duration",
        "1m",
    ]);
    toxics.lock().unwrap().clear();
    let out = env.run(&["faults", "recover", &id2]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already gone"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // An unknown proxy is an injection failure, with nothing left live.
    let out = env.run(&[
        "faults",
        "inject",
        "toxiproxy",
        "--target",
        "nope",
        "--action",
        "latency",
        "--param",
        &format!("api=http://127.0.0.1:{api}"),
        "--duration",
        "1m",
        "--yes",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404"));
    env.assert_nothing_left(&[]);
}
