//! Fitting table columns into a width: every column has the width it wants
//! and the least it can be cut to (with `…`); columns shrink in a given
//! order, then whole columns go in a given order, and what is left over
//! goes to one column. Columns that must never be cut (ids) have
//! `min == want` and are never in the drop order.

/// One column: the width it wants and the least it can be cut to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub want: u16,
    pub min: u16,
}

pub const fn spec(want: u16, min: u16) -> Spec {
    Spec { want, min }
}

/// Widths for `cols` in `width` columns (one column of spacing between
/// drawn columns); 0 means the column is not drawn. `shrink` and `drop`
/// are column indexes in the order they give way; `grow` takes the spare.
pub fn fit(width: u16, cols: &[Spec], shrink: &[usize], drop: &[usize], grow: usize) -> Vec<u16> {
    let mut w: Vec<u16> = cols.iter().map(|c| c.want).collect();
    let used = |w: &[u16]| -> u16 {
        let drawn = w.iter().filter(|x| **x > 0).count() as u16;
        w.iter().sum::<u16>() + drawn.saturating_sub(1)
    };
    for &i in shrink {
        let over = used(&w).saturating_sub(width);
        if over == 0 {
            break;
        }
        if let (Some(x), Some(c)) = (w.get_mut(i), cols.get(i)) {
            *x = x.saturating_sub(over).max(c.min);
        }
    }
    for &i in drop {
        if used(&w) <= width {
            break;
        }
        if let Some(x) = w.get_mut(i) {
            *x = 0;
        }
    }
    let spare = width.saturating_sub(used(&w));
    if let Some(x) = w.get_mut(grow)
        && *x > 0
    {
        *x += spare;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_then_drops_then_grows() {
        let cols = [spec(8, 8), spec(20, 6), spec(10, 4), spec(10, 5)];
        // Everything wanted fits: the last column takes the spare.
        assert_eq!(fit(60, &cols, &[1, 2], &[2], 3), vec![8, 20, 10, 19]);
        // Too narrow: column 1 shrinks first, then column 2.
        assert_eq!(fit(40, &cols, &[1, 2], &[2], 3), vec![8, 9, 10, 10]);
        assert_eq!(fit(33, &cols, &[1, 2], &[2], 3), vec![8, 6, 6, 10]);
        // Narrower than every minimum: column 2 goes, the rest grows.
        assert_eq!(fit(30, &cols, &[1, 2], &[2], 3), vec![8, 6, 0, 14]);
        for width in 0..80 {
            let w = fit(width, &cols, &[1, 2], &[2], 3);
            assert_eq!(w[0], 8, "never cut the id at {width}");
        }
    }
}
