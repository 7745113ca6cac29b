//! A one-line text sparkline (`▁▂▄▇`), so a row of a table can hold a small
//! trend next to its value without a widget and a `Rect` of its own.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A flat series, low, middle or high.
const LINES: [char; 3] = ['▁', '─', '▔'];

/// `values` as `width` bars scaled between 0 (or the lowest value, if
/// negative) and `max(values, ceiling)`. A longer history is bucketed, each
/// bar showing its bucket's maximum (a spike must not vanish by averaging);
/// a shorter one is right-aligned. Passing a threshold as the ceiling keeps
/// a flat healthy series low instead of stretching noise to full height.
/// Non-finite values draw as a space.
pub fn spark(values: impl Iterator<Item = f64>, width: usize, ceiling: f64) -> String {
    let all: Vec<f64> = values.collect();
    let vals: Vec<f64> = if all.len() > width {
        (0..width)
            .map(|i| {
                let (a, b) = (i * all.len() / width, (i + 1) * all.len() / width);
                all[a..b.max(a + 1)]
                    .iter()
                    .copied()
                    .fold(f64::NAN, f64::max)
            })
            .collect()
    } else {
        all
    };
    let finite = || vals.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(0.0_f64, f64::min);
    let hi = finite().fold(if ceiling.is_finite() { ceiling } else { 0.0 }, f64::max);
    let span = hi - lo;
    // A flat series (two points or more, within 2% of the scale) is a line
    // at its level, not a wall of bars: `▁`, `─` or `▔`.
    let (min, max) = finite().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let flat = finite().count() >= 2 && span > 0.0 && (max - min) <= 0.02 * span;
    let mut out = String::with_capacity(width * 3);
    for _ in vals.len()..width {
        out.push(' ');
    }
    for v in vals {
        if !v.is_finite() {
            out.push(' ');
        } else if span <= 0.0 {
            out.push(BARS[0]);
        } else {
            let i = (((v - lo) / span) * (BARS.len() - 1) as f64).round() as usize;
            let i = i.min(BARS.len() - 1);
            out.push(if flat {
                LINES[i * LINES.len() / BARS.len()]
            } else {
                BARS[i]
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_pads() {
        assert_eq!(spark([0.0, 50.0, 100.0].into_iter(), 3, 0.0), "▁▅█");
        assert_eq!(spark([100.0].into_iter(), 3, 0.0), "  █");
        // Longer histories are bucketed by maximum: the spike survives.
        assert_eq!(spark([1.0, 2.0, 3.0, 4.0].into_iter(), 2, 0.0), "▅█");
        assert_eq!(spark([0.0, 8.0, 0.0, 0.0].into_iter(), 2, 0.0), "█▁");
        // A ceiling keeps small values small.
        assert_eq!(spark([1.0, 1.0].into_iter(), 2, 100.0), "▁▁");
        assert_eq!(spark([f64::NAN, 1.0].into_iter(), 2, 0.0), " █");
        assert_eq!(spark(std::iter::empty(), 2, 0.0), "  ");
        // A flat series is a line at its level, never a block.
        assert_eq!(spark([2.27, 2.27, 2.26].into_iter(), 3, 1.0), "▔▔▔");
        assert_eq!(spark([50.0, 50.0].into_iter(), 2, 100.0), "──");
    }
}
