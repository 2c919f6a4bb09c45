//! Flag values checked while the command line is parsed, so that a value out of its range is a
//! usage error (exit 2) found before any work, like a value that is not a number.

/// Longest forecast or what-if horizon a flag accepts: 18 months.
pub const MAX_HORIZON_DAYS: u32 = 550;

fn number<T: std::str::FromStr>(s: &str, expected: &str) -> Result<T, String> {
    s.trim().parse::<T>().map_err(|_| format!("expected {expected}, found {s:?}"))
}

/// Days of a horizon: an integer from 1 to [`MAX_HORIZON_DAYS`].
pub fn horizon_days(s: &str) -> Result<u32, String> {
    let expected = format!("an integer from 1 to {MAX_HORIZON_DAYS}");
    let v: u32 = number(s, &expected)?;
    if (1..=MAX_HORIZON_DAYS).contains(&v) {
        Ok(v)
    } else {
        Err(format!("expected {expected}, found {v}"))
    }
}

/// An integer >= 1.
pub fn at_least_one(s: &str) -> Result<u32, String> {
    let v: u32 = number(s, "an integer >= 1")?;
    if v >= 1 {
        Ok(v)
    } else {
        Err("expected an integer >= 1, found 0".into())
    }
}

/// A finite number > 0 (seconds, hours, a coefficient of variation).
pub fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = number(s, "a number > 0")?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("expected a number > 0, found {s:?}"))
    }
}

/// A finite number >= 0.
pub fn non_negative(s: &str) -> Result<f64, String> {
    let v: f64 = number(s, "a number >= 0")?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("expected a number >= 0, found {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_with_the_value_named() {
        assert_eq!(horizon_days("7"), Ok(7));
        assert_eq!(horizon_days("0").unwrap_err(), "expected an integer from 1 to 550, found 0");
        assert!(horizon_days("abc").unwrap_err().contains("\"abc\""));
        assert_eq!(positive("1.5"), Ok(1.5));
        for bad in ["0", "-1", "nan", "inf", "x"] {
            assert!(positive(bad).is_err(), "{bad}");
        }
        assert_eq!(non_negative("0"), Ok(0.0));
        assert!(non_negative("-0.1").is_err());
        assert_eq!(at_least_one("0").unwrap_err(), "expected an integer >= 1, found 0");
    }
}
