//! Small pieces for drawing charts as SVG text: scales, "nice" axis ticks,
//! path data and colours. The HTML report ([`super::html`]) draws its
//! charts with these; nothing here knows about reports.

use std::fmt::Write;

/// A number for SVG coordinates: one decimal at most, no `-0`.
pub fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 || !r.is_finite() {
        return "0".into();
    }
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// A linear map from data values `[d0, d1]` to positions `[r0, r1]`.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        Scale { d0, d1, r0, r1 }
    }

    pub fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Ticks from 0 to at least `max` on round numbers (1, 2, 5 × 10^k),
/// about `n` of them.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut v = 0.0;
    while v < max + step * 0.999 {
        out.push(v);
        if v >= max {
            break;
        }
        v += step;
    }
    out
}

/// Ticks over `[min, max]` (min may be below zero), on round numbers.
pub fn ticks_between(min: f64, max: f64, n: usize) -> Vec<f64> {
    if min >= 0.0 {
        return ticks(max, n);
    }
    let span = max - min;
    let up = ticks(span, n);
    let step = if up.len() > 1 { up[1] } else { span };
    let start = (min / step).floor() * step;
    let mut out = Vec::new();
    let mut v = start;
    while v <= max + step * 0.5 {
        out.push(v);
        v += step;
        if out.len() > 40 {
            break;
        }
    }
    out
}

/// SVG path data, built a command at a time.
#[derive(Debug, Default, Clone)]
pub struct Path(String);

impl Path {
    pub fn new() -> Path {
        Path::default()
    }

    pub fn move_to(&mut self, x: f64, y: f64) -> &mut Self {
        let _ = write!(self.0, "M{} {}", num(x), num(y));
        self
    }

    pub fn line_to(&mut self, x: f64, y: f64) -> &mut Self {
        let _ = write!(self.0, "L{} {}", num(x), num(y));
        self
    }

    pub fn close(&mut self) -> &mut Self {
        self.0.push('Z');
        self
    }

    /// A rectangle (a bar).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64) -> &mut Self {
        let _ = write!(
            self.0,
            "M{} {}h{}v{}h{}Z",
            num(x),
            num(y),
            num(w),
            num(h),
            num(-w)
        );
        self
    }

    /// A dot of radius `r` centred on (`x`, `y`).
    pub fn dot(&mut self, x: f64, y: f64, r: f64) -> &mut Self {
        let _ = write!(
            self.0,
            "M{} {}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0",
            num(x - r),
            num(y),
            r = num(r),
            d = num(2.0 * r)
        );
        self
    }

    /// An arc from (`x1`, `y`) to (`x2`, `y`) bulging up by half the
    /// distance between them, at most `max_rise`.
    pub fn arc(&mut self, x1: f64, x2: f64, y: f64, max_rise: f64) -> &mut Self {
        let rx = ((x1 - x2).abs() / 2.0).max(1.0);
        let ry = rx.min(max_rise).max(1.0);
        let sweep = if x2 < x1 { 0 } else { 1 };
        let _ = write!(
            self.0,
            "M{} {}A{} {} 0 0 {sweep} {} {}",
            num(x1),
            num(y),
            num(rx),
            num(ry),
            num(x2),
            num(y),
        );
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The colours lanes get in order when board.yaml gives them none: the
/// Okabe-Ito palette, told apart with every common colour-vision
/// deficiency, and printable.
pub const LANE_PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#b8a200", "#7f7f7f",
];

/// The colour a board's colour name (or `#rrggbb`) stands for on a white
/// page; `None` for a colour lanes does not know.
pub fn color(name: &str) -> Option<String> {
    let hex = match name {
        "red" => "#d62728",
        "green" => "#2ca02c",
        "yellow" => "#c9a000",
        "blue" => "#1f77b4",
        "magenta" => "#b8379a",
        "cyan" => "#0fa3b1",
        "gray" => "#7f7f7f",
        "white" => "#c8c8c8",
        s if s.len() == 7
            && s.starts_with('#')
            && s[1..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            return Some(s.to_ascii_lowercase())
        }
        _ => return None,
    };
    Some(hex.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks(100.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(0.0, 4), vec![0.0, 0.5, 1.0]);
        let t = ticks_between(-30.0, 400.0, 5);
        assert!(t[0] <= -30.0 && *t.last().unwrap() >= 400.0, "{t:?}");
    }

    #[test]
    fn paths_are_compact() {
        let mut p = Path::new();
        p.move_to(1.0, 2.04).line_to(3.25, -0.0).close();
        assert_eq!(p.as_str(), "M1 2L3.3 0Z");
        let mut d = Path::new();
        d.dot(10.0, 10.0, 2.0);
        assert_eq!(d.as_str(), "M8 10a2 2 0 1 0 4 0a2 2 0 1 0 -4 0");
    }

    #[test]
    fn colours_are_known_names_or_hex() {
        assert_eq!(color("red").as_deref(), Some("#d62728"));
        assert_eq!(color("#A0B0C0").as_deref(), Some("#a0b0c0"));
        assert_eq!(color("teal"), None);
        assert_eq!(color("\"><script>"), None);
    }
}
