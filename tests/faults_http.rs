//! The http provider against a real local HTTP server (a service's own
//! fault API): the inject request carries the templated body, the handle
//! comes back from the JSON response, the recover request uses it, and a
//! service that answers 500 to the recover keeps the fault failing.

mod support;

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use support::faults::{Env, read_request};

/// Records `METHOD PATH BODY`; answers POST /faults with a handle, DELETE
/// with 204, unless `fail` is set.
fn server(fail: Arc<Mutex<bool>>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let (m, p, body) = read_request(&s);
            s2.lock()
                .unwrap()
                .push(format!("{m} {p} {}", String::from_utf8_lossy(&body)));
            let (status, out) = match m.as_str() {
                "POST" => (200, r#"{"fault":{"uid":"u-77"}}"#.to_string()),
                _ if *fail.lock().unwrap() => (500, "boom".to_string()),
                _ => (204, String::new()),
            };
            let mut s = s;
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{out}",
                out.len()
            );
        }
    });
    (port, seen)
}

#[test]
fn inject_and_recover_requests_with_a_handle_from_the_response() {
    let env = Env::new();
    let fail = Arc::new(Mutex::new(true));
    let (port, seen) = server(fail.clone());
    let base = format!("http://127.0.0.1:{port}");
    let id = env.inject(&[
        "http",
        "--target",
        "checkout",
        "--param",
        &format!("inject_url={base}/faults"),
        "--param",
        r#"inject_body={"kind": "delay", "service": "{target}", "ms": {ms}}"#,
        "--param",
        "ms=250",
        "--param",
        &format!("recover_url={base}/faults/{{handle}}"),
        "--param",
        "recover_method=DELETE",
        "--param",
        "handle_jsonpath=$.fault.uid",
        "--duration",
        "10m",
    ]);
    assert_eq!(
        seen.lock().unwrap()[0],
        r#"POST /faults {"kind": "delay", "service": "checkout", "ms": 250}"#
    );
    // The service fails the recovery: the fault stays live and says why.
    let out = env.run(&["faults", "recover", &id]);
    assert!(!out.status.success());
    let f = env.fault(&id);
    assert_eq!(f["state"], "recovery_failing");
    assert!(
        f["last_error"].as_str().unwrap().contains("HTTP 500"),
        "{f:#}"
    );
    *fail.lock().unwrap() = false;
    let out = env.run(&["faults", "recover", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("DELETE /faults/u-77"))
    );
    env.assert_nothing_left(&[]);
}
