use cocpit::domain::*;
use cocpit::domain::alarm::Labels;
use chrono::Utc;
fn rss() -> u64 { std::fs::read_to_string("/proc/self/status").unwrap().lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap() }
fn inuse() -> u64 { unsafe { (libc::mallinfo2().uordblks / 1024) as u64 } }
fn obs(i: usize) -> ObservedAlarm {
    let service = ["payments", "checkout", "search", "auth", "ledger"][i % 5];
    let severity = ["critical", "warning", "info"][i % 3];
    let mut l = Labels::new();
    for (k, v) in [("alertname", format!("Synthetic{}", i % 50)), ("service", service.to_string()), ("severity", severity.to_string()), ("instance", format!("host-{i:06}:9100")), ("job", "node".to_string()), ("team", format!("team-{}", i % 7)), ("env", "prod".to_string()), ("cluster", "eu-west-1".to_string())] { l.insert(k, v); }
    let mut a = Labels::new();
    a.insert("summary", format!("synthetic alert {i} for {service}"));
    a.insert("description", format!("host-{i:06} has been above the threshold for 5 minutes"));
    a.insert("runbook_url", "https://runbooks.example.invalid/synthetic");
    cocpit::sources::alertmanager::api::observed_from_labels("webhook", Some(format!("{i:016x}")), l, a, Utc::now(), Some("http://prometheus.example.invalid:9090/graph?g0.expr=synthetic".into()))
}
fn main() {
    let n = 100_000;
    let mode = std::env::args().nth(1).unwrap_or_default();
    println!("sizes: Alarm {} ObservedAlarm {} TimelineEntry {}", std::mem::size_of::<Alarm>(), std::mem::size_of::<ObservedAlarm>(), std::mem::size_of::<cocpit::domain::alarm::TimelineEntry>());
    let r0 = rss(); let u0 = inuse();
    if mode == "vec" {
        let v: Vec<ObservedAlarm> = (0..n).map(obs).collect();
        println!("vec: rss {} KiB/alarm, in use {} KiB/alarm", (rss() - r0) as f64 / n as f64, (inuse()-u0) as f64 / n as f64);
        std::hint::black_box(v);
    } else {
        let mut b = AlarmBoard::new();
        for i in 0..n {
            let o = obs(i);
            let ev = Event { id: i as i64 + 1, ts: Utc::now(), actor: "source:webhook".into(), kind: "alarm.raised".into(), subject: o.fingerprint.clone(), payload: serde_json::to_value(&o).unwrap(), prev_hash: String::new(), hash: String::new() };
            b.apply(&ev);
        }
        println!("board: rss {} KiB/alarm, in use {} KiB/alarm", (rss() - r0) as f64 / n as f64, (inuse()-u0) as f64 / n as f64);
        std::hint::black_box(b);
    }
}
