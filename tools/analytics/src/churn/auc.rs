//! How well a risk score ranks churners above stayers: the area under the ROC curve,
//! computed as the Mann–Whitney U statistic (the chance a random churner scores above
//! a random stayer, ties counting half).

/// AUC of `scores` against `labels` (true = churned); `None` without both classes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut ranked: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    let positives = ranked.iter().filter(|(_, l)| *l).count();
    let negatives = ranked.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the churners' ranks, tied scores sharing the mean of their ranks.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < ranked.len() {
        let mut j = i;
        while j + 1 < ranked.len() && ranked[j + 1].0 == ranked[i].0 {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mean_rank * ranked[i..=j].iter().filter(|(_, l)| *l).count() as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_known_cases() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        // Pairs (churner, stayer): (0.35>0.1) (0.35>0.4? no) (0.8>0.1) (0.8>0.4) → 3 of 4.
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &labels), Some(0.75));
        // A tie counts half: (0.5 vs 0.5) ½, (0.5 vs 0.1) 1 → 1.5 of 2.
        assert_eq!(auc(&[0.1, 0.5, 0.5], &[false, false, true]), Some(0.75));
        assert_eq!(auc(&[0.3, 0.4], &[true, true]), None);
    }
}
