//! The special functions the buy-till-you-die likelihoods need: ln Γ, digamma (its
//! derivative, for analytic gradients) and Gauss's hypergeometric ₂F₁ (for expected
//! purchases). Self-written so the crate stays free of numeric dependencies; each is
//! checked against known values in the tests below.

/// Lanczos coefficients for g = 7, n = 9 (relative error about 1e-15 for x > 0).
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (NaN otherwise: every argument here is a positive parameter
/// plus a count).
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Reflection keeps the Lanczos sum in its accurate range: Γ(x)Γ(1−x) = π/sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + LANCZOS_G + 0.5;
    let series = LANCZOS
        .iter()
        .enumerate()
        .skip(1)
        .fold(LANCZOS[0], |sum, (i, c)| sum + c / (x + i as f64));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ψ(x) = d/dx ln Γ(x) for x > 0: shifted up to x ≥ 12 by ψ(x) = ψ(x + 1) − 1/x, then
/// the asymptotic series (error below 1e-14 there).
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut shift = 0.0;
    while x < 12.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    let tail = inv2
        * (1.0 / 12.0
            - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))));
    shift + x.ln() - 0.5 / x - tail
}

/// ln ₂F₁(a, b; c; z) for 0 ≤ z < 1 and a, b, c > 0, by the power series (every term
/// is positive here, so there is no cancellation). `None` when the series does not
/// settle within the term budget, which only happens for z very close to 1.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || a <= 0.0 || b <= 0.0 || c <= 0.0 {
        return None;
    }
    // Terms are summed relative to a running scale so a sum like e^70 cannot overflow.
    let (mut sum, mut term, mut ln_scale) = (1.0_f64, 1.0_f64, 0.0_f64);
    for k in 0..2_000_000_u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if sum > 1e250 {
            sum /= 1e250;
            term /= 1e250;
            ln_scale += 1e250_f64.ln();
        }
        if term <= sum * 1e-17 && (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z < 1.0 {
            return Some(sum.ln() + ln_scale);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-14));
        assert!(close(ln_gamma(5.0), 24.0_f64.ln(), 1e-14));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-14
        ));
        // ln Γ(0.1) = 2.252712651734206 and ln Γ(100.5) from tables.
        assert!(close(ln_gamma(0.1), 2.252_712_651_734_206, 1e-13));
        assert!(close(ln_gamma(100.5), 361.435_540_467_777_57, 1e-13));
    }

    #[test]
    fn digamma_matches_known_values_and_the_derivative_of_ln_gamma() {
        let euler = 0.577_215_664_901_532_9;
        assert!(close(digamma(1.0), -euler, 1e-13));
        assert!(close(digamma(0.5), -euler - 2.0 * 2.0_f64.ln(), 1e-13));
        for x in [0.3, 2.7, 15.0, 140.0] {
            let h = 1e-5 * x;
            let numeric = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!(close(digamma(x), numeric, 1e-7), "{x}");
        }
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z.
        for z in [0.1_f64, 0.5, 0.9] {
            let exact = (-(1.0 - z).ln() / z).ln();
            assert!(
                close(ln_hyp2f1(1.0, 1.0, 2.0, z).unwrap(), exact, 1e-13),
                "{z}"
            );
        }
        // ₂F₁(a, b; b; z) = (1 − z)^−a, with large arguments that would overflow naively.
        let exact = -300.0 * (1.0 - 0.8_f64).ln();
        assert!(close(
            ln_hyp2f1(300.0, 7.0, 7.0, 0.8).unwrap(),
            exact,
            1e-12
        ));
        assert_eq!(ln_hyp2f1(1.0, 1.0, 2.0, 1.0), None);
    }
}
