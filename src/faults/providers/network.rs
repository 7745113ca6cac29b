//! `network`: packet loss, blackhole and bandwidth limits on a host.
//! Target: `local`, `netns:NAME` (inside a network namespace) or
//! `ssh:user@host`. Modes (`--action`):
//!
//! - `loss`: drop `percent=P` % of packets toward `dest=IP[/LEN]`
//!   (optionally `port=N`, `proto=tcp|udp`), nft `numgen random`.
//! - `blackhole`: drop (or `reject=true`) everything toward `dest`/`port`.
//! - `rate`: limit device `dev=` to `rate=` (e.g. `1mbit`) with `tc tbf`.
//!
//! nft rules go into a table of the fault's own, `inet cocpit-<id>`, and
//! each rule carries the comment `cocpit-<id>`: recovery deletes that table
//! and so removes exactly what this fault added, nothing else. A tbf qdisc
//! cannot carry a comment; it gets a handle derived from the fault id and
//! is removed only while that handle is still the root. Delay needs
//! `tc netem`, missing on these kernels: use the `proxy` provider.
//!
//! Every value is checked (addresses parsed, ports numbers, names plain)
//! before it reaches nft or tc; the nft script is fed on stdin.

use super::super::provider::{Ctx, Health, Provider, data, opt_param, param, record};
use super::{Output, run};
use crate::domain::fault::{FaultSpec, RecoveryRecord};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

pub struct Network;

const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Rec {
    Nft {
        runner: Vec<String>,
        table: String,
    },
    Tbf {
        runner: Vec<String>,
        dev: String,
        handle: String,
    },
}

fn runner(target: &str) -> Result<Vec<String>, String> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c))
    };
    match target.split_once(':') {
        None if target == "local" => Ok(Vec::new()),
        Some(("netns", ns)) if plain(ns) => {
            Ok(vec!["ip".into(), "netns".into(), "exec".into(), ns.into()])
        }
        Some(("ssh", dest)) if plain(dest) => Ok(vec![
            "ssh".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            dest.into(),
        ]),
        _ => Err(format!(
            "network target {target:?}: use local, netns:NAME or ssh:user@host"
        )),
    }
}

fn with(runner: &[String], args: &[&str]) -> Vec<String> {
    runner
        .iter()
        .cloned()
        .chain(args.iter().map(|s| s.to_string()))
        .collect()
}

fn matcher(spec: &FaultSpec) -> Result<String, String> {
    let dest = param(spec, "dest")?;
    let (addr, len) = match dest.split_once('/') {
        Some((a, l)) => (
            a,
            Some(
                l.parse::<u8>()
                    .map_err(|_| format!("dest {dest:?}: bad prefix length"))?,
            ),
        ),
        None => (dest, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("dest {dest:?} is not an IP address"))?;
    let family = if ip.is_ipv4() { "ip" } else { "ip6" };
    let mut m = match len {
        Some(l) => format!("{family} daddr {ip}/{l}"),
        None => format!("{family} daddr {ip}"),
    };
    if let Some(port) = opt_param(spec, "port") {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("port {port:?} is not a port number"))?;
        let proto = opt_param(spec, "proto").unwrap_or("tcp");
        if proto != "tcp" && proto != "udp" {
            return Err(format!("proto {proto:?}: tcp or udp"));
        }
        m.push_str(&format!(" {proto} dport {port}"));
    }
    Ok(m)
}

fn tbf_handle(id: &str) -> String {
    // Four hex digits of the id: a qdisc major number this fault can recognise.
    let h = u16::from_str_radix(id.get(..4).unwrap_or("c0c0"), 16).unwrap_or(0xc0c0);
    format!("{:x}:", h.clamp(1, 0xfffe))
}

fn ok_or_gone(out: Output, what: &str) -> Result<bool, String> {
    if out.success() {
        return Ok(true);
    }
    let text = format!("{}{}", out.stderr, out.stdout);
    if text.contains("No such file or directory")
        || text.contains("Cannot find")
        || text.contains("does not exist")
    {
        return Ok(false);
    }
    Err(out.failure(what))
}

impl Provider for Network {
    fn name(&self) -> &'static str {
        "network"
    }

    fn validate(&self, spec: &FaultSpec) -> Result<(), String> {
        self.prepare(spec, &Ctx::probe())?;
        // A network namespace must exist (`ip netns add` puts it here).
        if let Some(ns) = spec.target.strip_prefix("netns:")
            && !std::path::Path::new("/run/netns").join(ns).exists()
        {
            return Err(format!(
                "network: no network namespace {ns:?} (ip netns list)"
            ));
        }
        Ok(())
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let runner = runner(&spec.target)?;
        match spec.action.as_str() {
            "loss" | "blackhole" => {
                let m = matcher(spec)?;
                let table = ctx.tag();
                Ok(record(
                    self.name(),
                    format!("nft table inet {table}: {} {m}", spec.action),
                    &Rec::Nft { runner, table },
                ))
            }
            "rate" => {
                let dev = param(spec, "dev")?;
                if dev.len() > 15
                    || !dev
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                {
                    return Err(format!("dev {dev:?} is not a device name"));
                }
                let rate = param(spec, "rate")?;
                let valid_rate = regex::Regex::new(r"^[0-9]+(\.[0-9]+)?[kmgt]?(bit|bps)$")
                    .map_err(|e| e.to_string())?;
                if !valid_rate.is_match(rate) {
                    return Err(format!("rate {rate:?}: like 1mbit, 512kbit, 10mbps"));
                }
                let handle = tbf_handle(&ctx.id);
                Ok(record(
                    self.name(),
                    format!("tbf {rate} on {dev} (handle {handle})"),
                    &Rec::Tbf {
                        runner,
                        dev: dev.into(),
                        handle,
                    },
                ))
            }
            other => Err(format!(
                "network: unknown action {other:?} (loss, blackhole, rate)"
            )),
        }
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        match data::<Rec>(prepared)? {
            Rec::Nft { runner, table } => {
                let m = matcher(spec)?;
                let verdict = match spec.action.as_str() {
                    "loss" => {
                        let p: u8 = param(spec, "percent")?
                            .parse()
                            .map_err(|_| "percent=P: 1..100".to_string())?;
                        if !(1..=100).contains(&p) {
                            return Err("percent=P: 1..100".into());
                        }
                        format!("numgen random mod 100 < {p} drop")
                    }
                    _ if opt_param(spec, "reject") == Some("true") => "reject".to_string(),
                    _ => "drop".to_string(),
                };
                let tag = ctx.tag();
                let script = format!(
                    "table inet {table} {{\n  chain out {{\n    type filter hook output priority 0; policy accept;\n    {m} {verdict} comment \"{tag}\"\n  }}\n}}\n"
                );
                let out = run(&with(&runner, &["nft", "-f", "-"]), Some(&script), TIMEOUT)?;
                if !out.success() {
                    return Err(out.failure("nft"));
                }
                Ok(prepared.clone())
            }
            Rec::Tbf {
                runner,
                dev,
                handle,
            } => {
                let rate = param(spec, "rate")?;
                let burst = opt_param(spec, "burst").unwrap_or("32kb");
                if !burst.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(format!("burst {burst:?}: like 32kb"));
                }
                let out = run(
                    &with(
                        &runner,
                        &[
                            "tc", "qdisc", "add", "dev", &dev, "root", "handle", &handle, "tbf",
                            "rate", rate, "burst", burst, "latency", "200ms",
                        ],
                    ),
                    None,
                    TIMEOUT,
                )?;
                if !out.success() {
                    return Err(out.failure("tc"));
                }
                Ok(prepared.clone())
            }
        }
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        match data::<Rec>(record)? {
            Rec::Nft { runner, table } => {
                let out = run(
                    &with(&runner, &["nft", "delete", "table", "inet", &table]),
                    None,
                    TIMEOUT,
                )?;
                Ok(if ok_or_gone(out, "nft delete table")? {
                    format!("deleted nft table {table}")
                } else {
                    format!("nft table {table} already gone")
                })
            }
            Rec::Tbf {
                runner,
                dev,
                handle,
            } => {
                if !tbf_present(&runner, &dev, &handle)? {
                    return Ok(format!("no tbf {handle} on {dev}"));
                }
                let out = run(
                    &with(
                        &runner,
                        &["tc", "qdisc", "del", "dev", &dev, "root", "handle", &handle],
                    ),
                    None,
                    TIMEOUT,
                )?;
                ok_or_gone(out, "tc qdisc del")?;
                Ok(format!("removed tbf {handle} from {dev}"))
            }
        }
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        match data::<Rec>(record) {
            Ok(Rec::Nft { runner, table }) => match run(
                &with(&runner, &["nft", "list", "table", "inet", &table]),
                None,
                TIMEOUT,
            ) {
                Ok(o) if o.success() => Health::Active,
                Ok(_) => Health::Gone,
                Err(e) => Health::Unknown(e),
            },
            Ok(Rec::Tbf {
                runner,
                dev,
                handle,
            }) => match tbf_present(&runner, &dev, &handle) {
                Ok(true) => Health::Active,
                Ok(false) => Health::Gone,
                Err(e) => Health::Unknown(e),
            },
            Err(e) => Health::Unknown(e),
        }
    }
}

fn tbf_present(runner: &[String], dev: &str, handle: &str) -> Result<bool, String> {
    let out = run(
        &with(runner, &["tc", "qdisc", "show", "dev", dev, "root"]),
        None,
        TIMEOUT,
    )?;
    if !out.success() {
        return if ok_or_gone(out.clone(), "tc qdisc show").is_ok() {
            Ok(false)
        } else {
            Err(out.failure("tc qdisc show"))
        };
    }
    Ok(out
        .stdout
        .lines()
        .any(|l| l.starts_with(&format!("qdisc tbf {handle} root"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(params: &[(&str, &str)]) -> FaultSpec {
        FaultSpec {
            provider: "network".into(),
            target: "local".into(),
            action: "loss".into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            duration_secs: 10,
            guard: None,
            probe: None,
        }
    }

    #[test]
    fn only_checked_values_reach_nft() {
        assert_eq!(
            matcher(&spec(&[("dest", "10.1.2.3"), ("port", "80")])).unwrap(),
            "ip daddr 10.1.2.3 tcp dport 80"
        );
        assert_eq!(
            matcher(&spec(&[("dest", "fd00::1/64")])).unwrap(),
            "ip6 daddr fd00::1/64"
        );
        assert!(matcher(&spec(&[("dest", "10.1.2.3; flush ruleset")])).is_err());
        assert!(matcher(&spec(&[("dest", "10.1.2.3"), ("port", "80 drop")])).is_err());
        assert!(runner("netns:a;b").is_err());
        assert_eq!(
            runner("netns:t1").unwrap(),
            vec!["ip", "netns", "exec", "t1"]
        );
        assert_eq!(tbf_handle("ab12cd34"), "ab12:");
        assert_eq!(tbf_handle("0000abcd"), "1:");
    }
}
