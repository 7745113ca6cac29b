//! The proxy provider through fault-cli (the real `fault` proxy, installed
//! by `cargo install fault-cli --locked`; CI installs it): a local HTTP
//! server, requests through the proxy get measurably slower with a latency
//! fault, and after recovery the proxy is gone (its port closed, its run
//! file removed) and requests are fast again.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use support::faults::{Env, procs_with};

fn fault_installed() -> bool {
    if cocpit::faults::providers::proxy::fault_binary().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("fault-cli must be installed under CI (cargo install fault-cli --locked)");
    }
    eprintln!("SKIPPED: the fault binary is not installed (cargo install fault-cli --locked)");
    false
}

/// A tiny HTTP server on a free port; answers every request with `hello`.
fn http_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = s;
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
                );
            });
        }
    });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Median time of 5 GET requests to `port`.
fn median_get(port: u16) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut body = String::new();
            s.read_to_string(&mut body).unwrap();
            assert!(body.ends_with("hello"), "{body:?}");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

#[test]
fn latency_through_fault_cli_is_measured_and_removed() {
    if !fault_installed() {
        return;
    }
    let env = Env::new();
    let upstream = http_server();
    let listen = free_port();
    let direct = median_get(upstream);
    let id = env.inject(&[
        "proxy",
        "--target",
        &format!("tcp:127.0.0.1:{upstream}"),
        "--action",
        "latency",
        "--param",
        &format!("listen=127.0.0.1:{listen}"),
        "--param",
        "ms=300",
        "--duration",
        "1m",
    ]);
    let slowed = median_get(listen);
    assert!(
        slowed >= Duration::from_millis(300),
        "through the proxy: {slowed:?} (direct {direct:?})"
    );
    let tag = format!("cocpit-{id}");
    assert_eq!(procs_with(&tag).len(), 1, "one fault proxy running");

    let out = env.run(&["faults", "recover", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(procs_with(&tag).is_empty(), "proxy stopped");
    assert!(
        TcpStream::connect(("127.0.0.1", listen)).is_err(),
        "proxy port closed"
    );
    let after = median_get(upstream);
    assert!(
        after < Duration::from_millis(100),
        "no latency left: {after:?}"
    );
    let run_dir = env.dir().join("state/cocpit/faults");
    let files: Vec<_> = std::fs::read_dir(&run_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "run files left: {files:?}");
    env.assert_nothing_left(&[]);
}
