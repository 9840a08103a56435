//! Calendar arithmetic without a dependency: civil dates and UTC timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date for a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse `YYYY-MM-DD` into days since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A date as people type it, relative to `today` (days since the epoch):
/// `YYYY-MM-DD`, `today`, `tomorrow`, `+3d`, `+2w`, `+1m` (same day of a
/// later month, clamped to its end), or a weekday (`fri`, `friday`: the
/// next one after today). An error says what is accepted.
pub fn parse_relative(s: &str, today: i64) -> Result<i64, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(d) = parse_date(&t) {
        return Ok(d);
    }
    let accepted = "not a date: use YYYY-MM-DD, today, tomorrow, +3d, +2w, +1m or fri";
    match t.as_str() {
        "" => return Err(accepted.into()),
        "today" => return Ok(today),
        "tomorrow" | "tmr" => return Ok(today + 1),
        _ => {}
    }
    if let Some(rest) = t.strip_prefix('+') {
        let split = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (n, unit) = rest.split_at(split);
        let n: i64 = match n.parse() {
            Ok(n) if n <= 3650 => n,
            _ => return Err(accepted.into()),
        };
        return match unit {
            "" | "d" | "day" | "days" => Ok(today + n),
            "w" | "wk" | "week" | "weeks" => Ok(today + 7 * n),
            "m" | "mo" | "month" | "months" => {
                let (y, m, d) = civil_from_days(today);
                let months = y * 12 + i64::from(m) - 1 + n;
                let (y, m) = (months.div_euclid(12), months.rem_euclid(12) as u32 + 1);
                Ok(days_from_civil(y, m, d.min(days_in_month(y, m))))
            }
            _ => Err(accepted.into()),
        };
    }
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    if t.len() >= 3 {
        if let Some(w) = DAYS.iter().position(|d| d.starts_with(&t)) {
            // 1970-01-01 was a Thursday (index 3).
            let now = (today + 3).rem_euclid(7);
            let ahead = (w as i64 - now).rem_euclid(7);
            return Ok(today + if ahead == 0 { 7 } else { ahead });
        }
    }
    Err(accepted.into())
}

/// The weekday of a date, `Mon` to `Sun`.
pub fn weekday(days: i64) -> &'static str {
    ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize]
}

/// Format days since the epoch as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A day as people write it: `21 March 2026`.
pub fn format_day_long(days: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, d) = civil_from_days(days);
    format!("{d} {} {y}", MONTHS[(m as usize).clamp(1, 12) - 1])
}

/// Format seconds since the epoch as an RFC 3339 UTC timestamp.
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(days),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parse an RFC 3339 timestamp (`2026-11-27T10:00:00Z`, `...+02:00`,
/// fractional seconds allowed) into seconds since the epoch (UTC).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    if s.len() < 19 {
        return None;
    }
    let days = parse_date(s.get(0..10)?)?;
    let sep = s.as_bytes()[10];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    let hms = s.get(11..19)?;
    let hb = hms.as_bytes();
    if hb[2] != b':' || hb[5] != b':' {
        return None;
    }
    let h: i64 = hms[0..2].parse().ok()?;
    let mi: i64 = hms[3..5].parse().ok()?;
    let se: i64 = hms[6..8].parse().ok()?;
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let offset = parse_offset(rest)?;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Parse `Z`, `+hh:mm`, `-hhmm` or `+hh` into seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Seconds since the epoch, now (the wall clock; a change's own time
/// comes from its `ops::Context`).
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Today's date (UTC) as days since the epoch.
pub fn today() -> i64 {
    now_secs().div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for d in [-1000, 0, 1, 20_000, 20_784] {
            assert_eq!(parse_date(&format_date(d)), Some(d));
        }
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(format_timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_timestamp("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(
            parse_timestamp("2023-11-15T00:13:20.5+02:00"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_timestamp("2023-11-14"), None);
    }

    #[test]
    fn relative_dates() {
        // 2026-11-27 is a Friday.
        let today = parse_date("2026-11-27").unwrap();
        assert_eq!(weekday(today), "Fri");
        let d = |s: &str| parse_relative(s, today).map(format_date);
        assert_eq!(d("today").unwrap(), "2026-11-27");
        assert_eq!(d("Tomorrow").unwrap(), "2026-11-28");
        assert_eq!(d("+3d").unwrap(), "2026-11-30");
        assert_eq!(d("+3").unwrap(), "2026-11-30");
        assert_eq!(d("+2w").unwrap(), "2026-12-11");
        assert_eq!(d("+3m").unwrap(), "2027-02-27");
        assert_eq!(d("mon").unwrap(), "2026-11-30");
        assert_eq!(d("fri").unwrap(), "2026-12-04");
        assert_eq!(d("thursday").unwrap(), "2026-12-03");
        assert_eq!(d("2027-01-05").unwrap(), "2027-01-05");
        let jan31 = parse_date("2027-01-31").unwrap();
        assert_eq!(
            parse_relative("+1m", jan31).map(format_date).unwrap(),
            "2027-02-28"
        );
        for bad in ["", "fr", "+x", "+3y", "2026-02-30", "soon", "+99999d"] {
            let e = d(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }
}
