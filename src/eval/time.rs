//! Date parts for the time modifiers (`minute` … `year`): ISO 8601 text or epoch numbers, UTC.

use crate::ir::TimePart;
use serde_json::Value;

/// The part of a date value, or `None` when the value is not a date.
pub fn part_of(value: &Value, part: TimePart) -> Option<i64> {
    let (year, month, day, hour, minute) = from_epoch(epoch_seconds(value)?.floor() as i64);
    Some(match part {
        TimePart::Minute => minute,
        TimePart::Hour => hour,
        TimePart::Day => day,
        TimePart::Month => month,
        TimePart::Year => year,
        TimePart::Week => iso_week(year, month, day),
    })
}

/// Seconds since 1970-01-01 UTC of a date: ISO 8601 text, or a number of seconds (milliseconds
/// when it is too large to be seconds).
pub fn epoch_seconds(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => {
            let seconds = n.as_f64()?;
            Some(if seconds.abs() > 1e11 {
                seconds / 1000.0
            } else {
                seconds
            })
        }
        Value::String(s) => parse_iso(s.trim()),
        _ => None,
    }
}

/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM]`, or a bare date; offsets are converted to UTC.
fn parse_iso(text: &str) -> Option<f64> {
    let number = |s: &str| s.parse::<i64>().ok();
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut date_parts = date.split('-');
    let year = number(date_parts.next()?)?;
    let month = number(date_parts.next()?)?;
    let day = number(date_parts.next()?)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || date_parts.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day) as f64 * 86_400.0;
    let Some(time) = time else {
        return Some(days);
    };
    let (clock, offset_minutes) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) if time[i..].eq_ignore_ascii_case("z") => (&time[..i], 0),
        Some(i) => {
            let sign = if time[i..].starts_with('-') { -1 } else { 1 };
            let mut offset = time[i + 1..].split(':');
            let hours = number(offset.next()?)?;
            let minutes = offset.next().and_then(number).unwrap_or(0);
            (&time[..i], sign * (hours * 60 + minutes))
        }
        None => (time, 0),
    };
    let mut clock_parts = clock.split(':');
    let hour = number(clock_parts.next()?)?;
    let minute = number(clock_parts.next()?)?;
    let second: f64 = match clock_parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0.0,
    };
    Some(days + (hour * 3600 + minute * 60 - offset_minutes * 60) as f64 + second)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of seconds since the epoch, fractions dropped.
pub fn iso_from_epoch(seconds: f64) -> String {
    let whole = seconds.floor() as i64;
    let (year, month, day, hour, minute) = from_epoch(whole);
    format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{:02}",
        whole.rem_euclid(60)
    )
}

fn from_epoch(seconds: i64) -> (i64, i64, i64, i64, i64) {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    (year, month, day, in_day / 3600, in_day % 3600 / 60)
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday).
fn iso_week(year: i64, month: i64, day: i64) -> i64 {
    let days = days_from_civil(year, month, day);
    let weekday = (days + 3).rem_euclid(7); // 0 = Monday
    let thursday = days - weekday + 3;
    let (thursday_year, _, _) = civil_from_days(thursday);
    (thursday - days_from_civil(thursday_year, 1, 1)) / 7 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parts_of_dates() {
        let value = json!("2026-12-25T03:30:00Z");
        assert_eq!(part_of(&value, TimePart::Year), Some(2026));
        assert_eq!(part_of(&value, TimePart::Month), Some(12));
        assert_eq!(part_of(&value, TimePart::Day), Some(25));
        assert_eq!(part_of(&value, TimePart::Hour), Some(3));
        assert_eq!(part_of(&value, TimePart::Minute), Some(30));
        assert_eq!(part_of(&value, TimePart::Week), Some(52));
        assert_eq!(part_of(&json!("2021-01-03"), TimePart::Week), Some(53));
        assert_eq!(
            part_of(&json!("2023-07-14T23:30:00-02:00"), TimePart::Day),
            Some(15)
        );
        assert_eq!(part_of(&json!(0), TimePart::Year), Some(1970));
        assert_eq!(part_of(&json!("not a date"), TimePart::Year), None);
    }
}
