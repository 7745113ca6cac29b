//! Every fault provider cocpit ships, as data: name, the target kinds it
//! takes, its actions and its one-line usage. The inject form, the CLI and
//! (next) drill scenarios read this; naming a provider touches nothing.
//! The providers themselves (the I/O) are in the `faults` adapter, which
//! keeps one provider per entry here, in the same order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderInfo {
    pub name: &'static str,
    /// Target kinds, as typed: `sim:SERVICE`, `pid:N`, `local` …
    pub targets: &'static [&'static str],
    /// Actions; empty when the provider has none of its own (params say it).
    pub actions: &'static [&'static str],
    /// One line for the inject form and `--help`: actions and parameters.
    pub usage: &'static str,
}

/// `sim` first: the inject form starts on it, and it only touches the demo.
pub const CATALOG: &[ProviderInfo] = &[
    ProviderInfo {
        name: "sim",
        targets: &["sim:SERVICE"],
        actions: &["latency", "errors", "cpu", "kill", "heal"],
        usage: "target sim:SERVICE; action latency (ms=) | errors (rate=) | cpu (percent=) | kill | heal",
    },
    ProviderInfo {
        name: "process",
        targets: &["pid:N", "pidfile:PATH", "name:NAME"],
        actions: &["pause", "term", "kill"],
        usage: "target pid:N | pidfile:PATH | name:NAME; action pause (default) | term | kill; param restart=\"CMD ARGS\" (term/kill)",
    },
    ProviderInfo {
        name: "cpu",
        targets: &["local"],
        actions: &[],
        usage: "target local; params workers=N percent=P engine=cocpit|stress-ng",
    },
    ProviderInfo {
        name: "memory",
        targets: &["local"],
        actions: &[],
        usage: "target local; params size=256M engine=cocpit|stress-ng",
    },
    ProviderInfo {
        name: "disk",
        targets: &["dir:PATH"],
        actions: &[],
        usage: "target dir:PATH; param size=512M (file size) or free=1G (fill until this much is free)",
    },
    ProviderInfo {
        name: "command",
        targets: &["any"],
        actions: &["RECIPE"],
        usage: "action RECIPE (chaosblade-cpu, netem-ssh, …) or params inject=\"CMD\" recover=\"CMD {handle}\" check=… handle_jsonpath=$.result",
    },
    ProviderInfo {
        name: "http",
        targets: &["any"],
        actions: &[],
        usage: "params inject_url= recover_url= [inject_method= inject_body= recover_method= recover_body= check_url= header.X= expect=2xx handle_jsonpath=]",
    },
    ProviderInfo {
        name: "network",
        targets: &["local", "netns:NAME", "ssh:user@host"],
        actions: &["loss", "blackhole", "rate"],
        usage: "target local | netns:NAME | ssh:user@host; action loss (dest= percent= [port= proto=]) | blackhole (dest= [port= reject=true]) | rate (dev= rate=1mbit)",
    },
    ProviderInfo {
        name: "proxy",
        targets: &["tcp:HOST:PORT"],
        actions: &["latency", "jitter", "bandwidth", "blackhole", "reset"],
        usage: "target tcp:HOST:PORT; param listen=IP:PORT; action latency (ms=) | jitter (min_ms= max_ms= probability=) | bandwidth (bytes_per_second=) | blackhole | reset (probability=)",
    },
    ProviderInfo {
        name: "toxiproxy",
        targets: &["PROXY"],
        actions: &[
            "latency",
            "bandwidth",
            "timeout",
            "reset_peer",
            "slow_close",
            "limit_data",
            "slicer",
        ],
        usage: "target PROXY; action latency|bandwidth|timeout|reset_peer|slow_close|limit_data|slicer; params latency= jitter= rate= … stream= toxicity= api=http://127.0.0.1:8474",
    },
];

pub fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|p| p.name).collect()
}

pub fn get(name: &str) -> Option<&'static ProviderInfo> {
    CATALOG.iter().find(|p| p.name == name)
}

/// The usage line of `name`, or nothing for an unknown provider.
pub fn usage(name: &str) -> &'static str {
    get(name).map_or("", |p| p.usage)
}
