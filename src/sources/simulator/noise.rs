//! Seeded randomness: measurement noise on every series and the helpers the
//! notices use for their random schedules. Each consumer gets its own ChaCha
//! stream so that, say, adding a notice does not shift the metric noise.

use super::scenario::{Metric, Scenario};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Stream 0 is the metric noise; notices use `NOTICE_STREAM_BASE + index`.
pub(crate) const NOTICE_STREAM_BASE: u64 = 100;

/// Weight of the previous noise value: correlated noise reads like a real
/// signal on a chart instead of white static.
const AR: f64 = 0.6;

pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Uniform in [0, 1).
pub(crate) fn unit(r: &mut ChaCha8Rng) -> f64 {
    (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Zero mean, unit variance, bounded to about ±3.5 (Irwin–Hall of four
/// uniforms): Gaussian-looking without the rare huge outlier that would trip
/// an alarm out of nowhere.
pub(crate) fn bell(r: &mut ChaCha8Rng) -> f64 {
    let sum: f64 = (0..4).map(|_| unit(r)).sum();
    (sum - 2.0) * 3.0_f64.sqrt()
}

/// Uniform integer in `lo..=hi`.
pub(crate) fn between(r: &mut ChaCha8Rng, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        return lo;
    }
    let span = (hi - lo).saturating_add(1);
    lo + ((unit(r) * span as f64) as u64).min(span - 1)
}

/// AR(1) noise per service × metric. Latency noise is relative to the
/// value; percentages get noise relative to their distance from the nearer
/// bound (like a binomial), so 80 % errors wobble by points rather than
/// tens of points and a dead service's 100 % stays flat.
#[derive(Debug, Clone)]
pub(crate) struct NoiseField {
    rng: ChaCha8Rng,
    state: Vec<[f64; 4]>,
}

impl NoiseField {
    pub(crate) fn new(seed: u64, services: usize) -> NoiseField {
        NoiseField {
            rng: rng(seed, 0),
            state: vec![[0.0; 4]; services],
        }
    }

    /// Noisy observations of the model's values, clamped to each metric's
    /// range. Draws the same number of values every tick whatever happens,
    /// so faults never shift the noise sequence.
    pub(crate) fn apply(&mut self, sc: &Scenario, values: &[[f64; 4]]) -> Vec<[f64; 4]> {
        let innovation = (1.0 - AR * AR).sqrt();
        let mut out = Vec::with_capacity(values.len());
        for ((svc, v), st) in sc.services.iter().zip(values).zip(&mut self.state) {
            let mut row = [0.0; 4];
            for m in Metric::ALL {
                let i = m.idx();
                st[i] = AR * st[i] + innovation * bell(&mut self.rng);
                let scale = match m {
                    Metric::LatencyP99 => v[i],
                    _ => v[i].min(100.0 - v[i]).max(0.0),
                };
                let noisy = v[i] + scale * svc.noise[i] * st[i];
                row[i] = if noisy.is_finite() {
                    noisy.clamp(0.0, m.max())
                } else {
                    0.0
                };
            }
            out.push(row);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bell_is_bounded_and_centred() {
        let mut r = rng(7, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| bell(&mut r)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.05, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
        assert!(xs.iter().all(|x| x.abs() <= 3.47));
    }

    #[test]
    fn between_stays_in_range_and_streams_differ() {
        let mut r = rng(1, 0);
        assert!((0..1000).all(|_| (5..=9).contains(&between(&mut r, 5, 9))));
        assert_eq!(between(&mut r, 4, 4), 4);
        let a: Vec<u64> = (0..4).map(|_| rng(1, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(rng(1, 0).next_u64(), rng(1, 1).next_u64());
        assert_ne!(rng(1, 0).next_u64(), rng(2, 0).next_u64());
    }
}
