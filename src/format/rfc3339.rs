//! RFC 3339 times, as `@timestamp` carries them: read into (seconds,
//! nanos) exactly, and written in UTC with the shortest exact fraction of
//! 3, 6 or 9 digits. Years 0000 to 9999 only (RFC 3339's range).

/// Seconds of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z.
pub(crate) const MIN_SECONDS: i64 = -62_167_219_200;
pub(crate) const END_SECONDS: i64 = 253_402_300_800;

// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a time can not be written: None when it can.
pub(crate) fn unwritable(seconds: i64, nanos: i32) -> Option<String> {
    if !(0..1_000_000_000).contains(&nanos) {
        return Some(format!("timestamp nanos {nanos} is outside 0..=999999999"));
    }
    if !(MIN_SECONDS..END_SECONDS).contains(&seconds) {
        return Some(format!(
            "timestamp {seconds} s is outside the years 0000 to 9999 that RFC 3339 can write"
        ));
    }
    None
}

/// Writes `2024-05-01T12:00:00.500Z`; the caller checked `unwritable`.
pub(crate) fn write(out: &mut Vec<u8>, seconds: i64, nanos: i32) {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let two = |out: &mut Vec<u8>, v: i64| {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8])
    };
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, secs / 3600);
    out.push(b':');
    two(out, secs / 60 % 60);
    out.push(b':');
    two(out, secs % 60);
    if nanos != 0 {
        let digits = if nanos % 1_000_000 == 0 {
            3
        } else if nanos % 1000 == 0 {
            6
        } else {
            9
        };
        out.push(b'.');
        let mut frac = [0u8; 9];
        let mut n = nanos;
        for slot in frac.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&frac[..digits]);
    }
    out.push(b'Z');
}

/// The text of `write`, for tools.
pub fn format(seconds: i64, nanos: i32) -> Option<String> {
    if unwritable(seconds, nanos).is_some() {
        return None;
    }
    let mut out = Vec::with_capacity(30);
    write(&mut out, seconds, nanos);
    String::from_utf8(out).ok()
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into (seconds, nanos).
/// A fraction finer than nanoseconds must end in zeros (it would be
/// rounded); a leap second (:60) is refused for the same reason.
pub fn parse(text: &[u8]) -> Result<(i64, i32), &'static str> {
    const SHAPE: &str =
        "it is not an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fraction] and Z or ±HH:MM)";
    let num = |at: usize, n: usize| -> Result<i64, &'static str> {
        let digits = text.get(at..at + n).ok_or(SHAPE)?;
        digits.iter().try_fold(0i64, |acc, &c| match c {
            b'0'..=b'9' => Ok(acc * 10 + i64::from(c - b'0')),
            _ => Err(SHAPE),
        })
    };
    if text.len() < 20 || text[4] != b'-' || text[7] != b'-' || text[13] != b':' || text[16] != b':'
    {
        return Err(SHAPE);
    }
    if !matches!(text[10], b'T' | b't' | b' ') {
        return Err(SHAPE);
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 {
        return Err("its date or time of day does not exist");
    }
    if s > 59 {
        return Err("it is a leap second (:60), which a count of seconds can not hold exactly");
    }
    let mut rest = &text[19..];
    let mut nanos = 0i32;
    if let [b'.', frac @ ..] = rest {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(SHAPE);
        }
        for (i, &c) in frac[..digits].iter().enumerate() {
            match i {
                0..=8 => nanos += i32::from(c - b'0') * 10i32.pow(8 - i as u32),
                _ if c != b'0' => return Err("its fraction is finer than nanoseconds"),
                _ => {}
            }
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let at = text.len() - 5;
            let (oh, om) = (num(at, 2)?, num(at + 3, 2)?);
            if oh > 23 || om > 59 {
                return Err(SHAPE);
            }
            let offset = oh * 3600 + om * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return Err(SHAPE),
    };
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    Ok((seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_it_can_not_hold() {
        for (text, seconds, nanos) in [
            ("1970-01-01T00:00:00Z", 0, 0),
            ("2024-02-29T23:59:59.500Z", 1_709_251_199, 500_000_000),
            ("1969-12-31T23:59:59.000000001Z", -1, 1),
            ("0000-01-01T00:00:00Z", MIN_SECONDS, 0),
            ("9999-12-31T23:59:59.999999Z", END_SECONDS - 1, 999_999_000),
        ] {
            assert_eq!(parse(text.as_bytes()), Ok((seconds, nanos)), "{text}");
            assert_eq!(format(seconds, nanos).as_deref(), Some(text));
        }
        assert_eq!(parse(b"2024-01-01T02:00:00+02:00"), Ok((1_704_067_200, 0)));
        assert_eq!(
            parse(b"2024-01-01T00:00:00.1234567890Z"),
            Ok((1_704_067_200, 123_456_789))
        );
        for bad in [
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00.1234567891Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+2:00",
            "yesterday",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(format(END_SECONDS, 0), None);
        assert_eq!(format(0, -1), None);
        assert_eq!(format(0, 1_000_000_000), None);
    }
}
