//! Exact money: every platform amount becomes a [`Decimal`], never a float, so totals
//! add up to the cent the marketer sees in the platform's own UI.
//!
//! Platforms send money three ways (see PLATFORMS.md): decimal strings (Meta `spend`),
//! micros (Google Ads `costMicros`) and integer minor units (Stripe, Meta budgets).

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a money amount: {0:?}")]
    NotANumber(String),
}

/// Parses a decimal string such as `"1234.56"` exactly.
///
/// Rejects thousands separators, exponents and empty strings: a platform that sends
/// those has changed its format, and guessing would silently misreport spend.
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let trimmed = text.trim();
    let plain = trimmed.strip_prefix('-').unwrap_or(trimmed);
    let well_formed = !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        && plain.chars().filter(|&c| c == '.').count() <= 1
        && plain.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(MoneyError::NotANumber(text.to_owned()));
    }
    Decimal::from_str_exact(trimmed)
        .or_else(|_| Decimal::from_str(trimmed))
        .map_err(|_| MoneyError::NotANumber(text.to_owned()))
}

/// Converts micros (millionths of the currency unit, Google Ads `costMicros`).
pub fn from_micros(micros: i64) -> Decimal {
    Decimal::new(micros, 6)
}

/// Converts integer minor units (cents for USD, yen for JPY) using the currency's
/// exponent, so a JPY budget of 5000 stays 5000 yen rather than becoming 50.00.
pub fn from_minor_units(amount: i64, currency: &str) -> Decimal {
    Decimal::new(amount, minor_unit_exponent(currency))
}

/// Converts cents (minor units of a two-decimal currency such as USD or EUR).
pub fn from_cents(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Converts an amount to integer minor units, rounding half away from zero; `None`
/// when it does not fit an `i64`.
pub fn to_minor_units(amount: Decimal, currency: &str) -> Option<i64> {
    let exponent = minor_unit_exponent(currency);
    let scaled = round_half_up(amount, exponent) * Decimal::from(10_i64.pow(exponent));
    i64::try_from(scaled.normalize()).ok()
}

/// Rounds half away from zero, as invoices and platform UIs do (not banker's rounding).
pub fn round_half_up(amount: Decimal, dp: u32) -> Decimal {
    amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// ISO 4217 minor-unit exponent for the currencies ad platforms bill in.
pub fn minor_unit_exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "JPY" | "KRW" | "CLP" | "ISK" | "VND" | "TWD" | "HUF" | "PYG" | "UGX" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// Formats an amount the way a marketer reads it: `$12,345.67`, `€9.50`, `1,200 JPY`.
pub fn format_money(amount: Decimal, currency: &str) -> String {
    let exponent = minor_unit_exponent(currency);
    let rounded = round_half_up(amount, exponent);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", exponent as usize, rounded.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(&fraction);
    }
    let sign = if negative { "-" } else { "" };
    match currency.to_ascii_uppercase().as_str() {
        "USD" => format!("{sign}${grouped}"),
        "EUR" => format!("{sign}€{grouped}"),
        "GBP" => format!("{sign}£{grouped}"),
        other => format!("{sign}{grouped} {other}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn strings_parse_exactly() {
        assert_eq!(parse_decimal("1234.56").unwrap(), d("1234.56"));
        assert_eq!(parse_decimal(" 0.1 ").unwrap(), d("0.1"));
        assert_eq!(parse_decimal("37").unwrap(), d("37"));
        assert_eq!(parse_decimal("-5.25").unwrap(), d("-5.25"));
        // 0.1 + 0.2 is exactly 0.3 here, unlike f64.
        let sum = parse_decimal("0.1").unwrap() + parse_decimal("0.2").unwrap();
        assert_eq!(sum, d("0.3"));
    }

    #[test]
    fn malformed_strings_are_rejected() {
        for bad in ["", " ", "1,234.56", "1e3", "12.3.4", "NaN", "$5", "-", "."] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn micros_and_minor_units_convert_exactly() {
        assert_eq!(from_micros(1_234_560_000), d("1234.56"));
        assert_eq!(from_micros(1), d("0.000001"));
        assert_eq!(from_micros(-2_500_000), d("-2.5"));
        assert_eq!(from_cents(123_456), d("1234.56"));
        assert_eq!(from_minor_units(5000, "USD"), d("50.00"));
        assert_eq!(from_minor_units(5000, "JPY"), d("5000"));
        assert_eq!(from_minor_units(5000, "KWD"), d("5.000"));
    }

    #[test]
    fn minor_units_round_trip() {
        assert_eq!(to_minor_units(d("1234.56"), "USD"), Some(123_456));
        assert_eq!(to_minor_units(d("0.005"), "USD"), Some(1));
        assert_eq!(to_minor_units(d("5000"), "JPY"), Some(5000));
    }

    #[test]
    fn money_formats_with_grouping_and_symbol() {
        assert_eq!(format_money(d("12345.678"), "USD"), "$12,345.68");
        assert_eq!(format_money(d("999.5"), "USD"), "$999.50");
        assert_eq!(format_money(d("1000000"), "EUR"), "€1,000,000.00");
        assert_eq!(format_money(d("-42.1"), "USD"), "-$42.10");
        assert_eq!(format_money(d("1200"), "JPY"), "1,200 JPY");
        assert_eq!(format_money(d("0"), "USD"), "$0.00");
        assert_eq!(format_money(d("0.125"), "USD"), "$0.13");
    }
}
