//! The Monitor view: charts per service, and a crowded header and monitor
//! keeping what matters.

use super::fixtures::*;

#[test]
fn snapshot_monitor() {
    snap("monitor", false, |s| keys(s, "2"));
}

#[test]
fn crowded_header_and_monitor_keep_what_matters() {
    let mut state = state_with(false, 80, 24);
    for i in 0..8 {
        update(
            &mut state,
            Msg::SourceHealth(SourceStatus {
                name: format!("prometheus-{i}"),
                up: i != 5,
                last_ok: Some(now() - Duration::seconds(30)),
                latency_ms: Some(20 + i),
                detail: String::new(),
            }),
            now(),
        );
    }
    // Forty services: the overview and the list scroll with the selection.
    let catalog = (0..40)
        .map(|i| {
            series(
                &format!("svc-{i:02}"),
                MetricKind::Cpu,
                "cpu",
                "%",
                70.0,
                90.0,
            )
        })
        .collect();
    state.monitor.apply(MetricSnapshot {
        catalog,
        at: Some(now()),
        samples: Vec::new(),
    });
    keys(&mut state, "2G");
    let all = text(draw(&state, 80, 24).backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    // Down sources come first, the rest are counted, operators stay visible.
    assert!(
        lines[1].contains("alertmanager:prod ✗ DOWN"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("+9 more") && lines[1].contains("2 operators online"));
    let wide = text(draw(&state, 120, 40).backend().buffer());
    let header = wide.lines().nth(1).unwrap_or_default().to_string();
    assert!(header.contains("prometheus-5 ✗ DOWN"), "{header}");
    // The last service is selected and on screen in the list and the overview.
    assert!(all.contains(">● svc-39"), "{all}");
    assert_eq!(all.matches("svc-39").count(), 2, "list and overview\n{all}");
}
