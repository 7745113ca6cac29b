//! Rectangles for overlays, always clamped to the area they sit in: ratatui
//! panics on a `Rect` outside the buffer, and the terminal can be any size.

use ratatui::layout::Rect;

/// A `width`×`height` rectangle centred in `area`, shrunk to fit it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The bottom `height` rows of `area` (fewer if `area` is shorter).
pub fn bottom(area: Rect, height: u16) -> Rect {
    let h = height.min(area.height);
    Rect {
        x: area.x,
        y: area.y + area.height - h,
        width: area.width,
        height: h,
    }
}

/// `percent` of `total`, at least `min` and at most `total`.
pub fn share(total: u16, percent: u16, min: u16) -> u16 {
    ((total as u32 * percent as u32 / 100) as u16)
        .max(min)
        .min(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popups_stay_inside() {
        let area = Rect::new(2, 3, 10, 4);
        for (w, h) in [(0, 0), (5, 2), (10, 4), (200, 200)] {
            let r = centered(area, w, h);
            assert_eq!(r.intersection(area), r, "{w}x{h}");
            let b = bottom(area, h);
            assert_eq!(b.intersection(area), b);
            assert_eq!(b.bottom(), area.bottom());
        }
        assert_eq!(share(10, 50, 0), 5);
        assert_eq!(share(10, 10, 4), 4);
        assert_eq!(share(3, 10, 4), 3);
    }
}
