//! Cursor paging in the Graph API's shape: `paging.cursors.{before,after}` and a full
//! `paging.next` URL, absent on the last page.

use super::errors::GraphError;
use super::request::GraphRequest;
use serde_json::{Value, json};

pub(crate) const DEFAULT_LIMIT: usize = 25;
pub(crate) const MAX_LIMIT: usize = 500;

/// Slices `rows` per the request's `limit`/`after`/`before` into a Graph page.
pub(crate) fn page(rows: Vec<Value>, request: &GraphRequest) -> Result<Value, GraphError> {
    let limit = match request.param("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<usize>() {
            Ok(0) | Err(_) => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Param limit must be a positive integer, got {raw}"
                )));
            }
            Ok(n) => n.min(MAX_LIMIT),
        },
    };
    let bad_cursor = || GraphError::invalid_parameter("(#100) Invalid cursor");
    let (start, end) = if let Some(after) = request.param("after") {
        let start = decode_cursor(after).ok_or_else(bad_cursor)? + 1;
        (start, start + limit)
    } else if let Some(before) = request.param("before") {
        let end = decode_cursor(before).ok_or_else(bad_cursor)?;
        (end.saturating_sub(limit), end)
    } else {
        (0, limit)
    };
    let total = rows.len();
    let (start, end) = (start.min(total), end.min(total));
    if start == end {
        return Ok(json!({ "data": [] }));
    }
    let data: Vec<Value> = rows.into_iter().skip(start).take(end - start).collect();
    let mut paging = json!({
        "cursors": { "before": encode_cursor(start), "after": encode_cursor(end - 1) },
    });
    if start > 0 {
        paging["previous"] = json!(request.url_with_cursor("before", &encode_cursor(start)));
    }
    if end < total {
        paging["next"] = json!(request.url_with_cursor("after", &encode_cursor(end - 1)));
    }
    Ok(json!({ "data": data, "paging": paging }))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (unpadded) of the row index, e.g. 24 → "MjQ", opaque to clients like Meta's.
pub(crate) fn encode_cursor(index: usize) -> String {
    let bytes = index.to_string().into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

pub(crate) fn decode_cursor(cursor: &str) -> Option<usize> {
    let mut bits = 0_u32;
    let mut bit_count = 0;
    let mut bytes = Vec::new();
    for c in cursor.bytes() {
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = bits << 6 | value;
        bit_count += 6;
        if bit_count >= 8 {
            bit_count -= 8;
            bytes.push((bits >> bit_count & 0xff) as u8);
        }
    }
    String::from_utf8(bytes).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_look_like_meta_cursors() {
        assert_eq!(encode_cursor(24), "MjQ");
        assert_eq!(encode_cursor(0), "MA");
        for i in [0, 1, 9, 24, 99, 100, 499, 12345, 1_000_000] {
            assert_eq!(decode_cursor(&encode_cursor(i)), Some(i), "{i}");
        }
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(decode_cursor("YWJj"), None); // "abc" is not an index
    }
}
