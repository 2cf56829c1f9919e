//! Median and median absolute deviation.

pub(crate) fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Median absolute deviation from the median; 0 for an empty slice.
pub(crate) fn mad(values: &[f64]) -> f64 {
    let Some(center) = median(values.to_vec()) else {
        return 0.0;
    };
    median(values.iter().map(|v| (v - center).abs()).collect()).unwrap_or(0.0)
}
