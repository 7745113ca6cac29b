//! `cocpit burn`: the burner the `cpu` and `memory` providers start. CPU:
//! N threads, each busy for P ms of every 100 ms. Memory: SIZE bytes
//! allocated and touched (so they are resident), then held. It ends by
//! itself after `--for-secs`, so even a burner nobody recovers does not
//! burn for ever.

use std::time::{Duration, Instant};

pub struct BurnArgs {
    pub cpu: Option<u32>,
    pub percent: u32,
    pub memory: Option<u64>,
    pub for_secs: u64,
}

pub fn run(args: &BurnArgs) {
    let until = Instant::now() + Duration::from_secs(args.for_secs);
    // Held until we return.
    let mut _held: Vec<u8> = Vec::new();
    if let Some(bytes) = args.memory {
        let n = usize::try_from(bytes).unwrap_or(usize::MAX);
        let mut v: Vec<u8> = Vec::new();
        // try_reserve: an impossible size leaves the burner running without
        // the memory instead of aborting on allocation failure.
        if v.try_reserve_exact(n).is_ok() {
            // Write one byte a page so the memory is really resident.
            v.extend((0..n).map(|i| u8::from(i % 4096 == 0)));
            _held = v;
        }
    }
    let percent = args.percent.clamp(1, 100) as u64;
    let workers: Vec<_> = (0..args.cpu.unwrap_or(0))
        .map(|_| {
            std::thread::spawn(move || {
                let period = Duration::from_millis(100);
                let busy = period * percent as u32 / 100;
                while Instant::now() < until {
                    let start = Instant::now();
                    let mut x: u64 = 1;
                    while start.elapsed() < busy {
                        x = std::hint::black_box(
                            x.wrapping_mul(6364136223846793005).wrapping_add(1),
                        );
                    }
                    let rest = period.saturating_sub(start.elapsed());
                    if !rest.is_zero() {
                        std::thread::sleep(rest);
                    }
                }
            })
        })
        .collect();
    while Instant::now() < until {
        std::thread::sleep(
            Duration::from_millis(200).min(until.saturating_duration_since(Instant::now())),
        );
    }
    for w in workers {
        let _ = w.join();
    }
}
