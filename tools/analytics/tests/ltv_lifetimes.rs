//! The LTV forecast against Python `lifetimes` 0.11.3 on the CDNOW sample: every
//! parameter and every sampled customer's prediction within 0.5 %.
//! Fixtures: `tests/data/ltv/` (regenerate with its `generate.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnify_analytics::ltv::{self, LtvOptions, bgnbd, gamma_gamma};
use omnify_analytics::table::Table;
use serde_json::Value;

const TOLERANCE: f64 = 0.005;

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/ltv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn expected() -> Value {
    serde_json::from_str(&data("expected.json")).unwrap()
}

fn relative(ours: f64, theirs: f64) -> f64 {
    if theirs == 0.0 {
        ours.abs()
    } else {
        ((ours - theirs) / theirs).abs()
    }
}

fn forecast() -> ltv::LtvForecast {
    let table = Table::parse(&data("transactions.csv")).unwrap();
    let transactions = ltv::from_csv(&table).unwrap();
    let expected = expected();
    let options = LtvOptions {
        horizon_days: expected["horizon_days"].as_u64().unwrap() as u32,
        observation_end: Some(
            expected["observation_end"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
        ),
        uncertainty_draws: 20,
        ..LtvOptions::default()
    };
    ltv::forecast(&transactions, &options).unwrap()
}

#[test]
fn ltv_parameters_and_predictions_agree_with_lifetimes() {
    let expected = expected();
    let f = forecast();
    assert_eq!(
        f.customers.len() as u64,
        expected["customers_total"].as_u64().unwrap()
    );

    let bg = f.purchase_model.params;
    let gg = f.spend_model.params;
    let ours = [
        ("r", bg.r),
        ("alpha", bg.alpha),
        ("a", bg.a),
        ("b", bg.b),
        ("p", gg.p),
        ("q", gg.q),
        ("v", gg.v),
    ];
    let mut worst: f64 = 0.0;
    for (name, value) in ours {
        let theirs = expected["params"][name].as_f64().unwrap();
        let error = relative(value, theirs);
        println!(
            "{name}: ours {value:.6} lifetimes {theirs:.6} ({:.4} %)",
            error * 100.0
        );
        assert!(error <= TOLERANCE, "{name}: {value} vs {theirs}");
        worst = worst.max(error);
    }

    let customers = expected["customers"].as_array().unwrap();
    assert!(customers.len() >= 50);
    for c in customers {
        let id = c["customer_id"].as_str().unwrap();
        let ours = f
            .customers
            .iter()
            .find(|x| x.summary.customer_id == id)
            .unwrap_or_else(|| panic!("customer {id} missing"));
        // The RFM summary is exact (same days, same sums).
        assert_eq!(
            ours.summary.frequency,
            c["frequency"].as_f64().unwrap(),
            "{id}"
        );
        assert_eq!(ours.summary.recency, c["recency"].as_f64().unwrap(), "{id}");
        assert_eq!(ours.summary.age, c["T"].as_f64().unwrap(), "{id}");
        assert!(
            relative(
                ours.summary.monetary_value,
                c["monetary_value"].as_f64().unwrap()
            ) < 1e-9
        );
        for (name, value) in [
            ("expected_purchases", ours.expected_purchases),
            ("probability_alive", ours.probability_alive),
            ("expected_average_value", ours.expected_average_value),
            ("expected_value", ours.expected_value),
        ] {
            let theirs = c[name].as_f64().unwrap();
            let error = relative(value, theirs);
            assert!(error <= TOLERANCE, "{id} {name}: {value} vs {theirs}");
            worst = worst.max(error);
        }
    }
    for (name, value) in [
        ("expected_purchases", f.total.expected_purchases),
        ("expected_value", f.total.expected_value),
    ] {
        let theirs = expected["totals"][name].as_f64().unwrap();
        let error = relative(value, theirs);
        println!(
            "total {name}: ours {value:.3} lifetimes {theirs:.3} ({:.4} %)",
            error * 100.0
        );
        assert!(error <= TOLERANCE, "total {name}: {value} vs {theirs}");
        worst = worst.max(error);
    }
    println!("worst relative difference: {:.4} %", worst * 100.0);
}

#[test]
fn ltv_likelihoods_of_a_tiny_data_set_match_lifetimes() {
    let tiny = &expected()["tiny"];
    let column = |k: &str| -> Vec<f64> {
        tiny[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (f, r, t, m) = (
        column("frequency"),
        column("recency"),
        column("T"),
        column("monetary_value"),
    );
    let p = &tiny["bgnbd_params"];
    let params = bgnbd::BgNbdParams {
        r: p["r"].as_f64().unwrap(),
        alpha: p["alpha"].as_f64().unwrap(),
        a: p["a"].as_f64().unwrap(),
        b: p["b"].as_f64().unwrap(),
    };
    let histories = bgnbd::PurchaseHistories::new((0..f.len()).map(|i| [f[i], r[i], t[i]]));
    let (nll, _) = bgnbd::negative_log_likelihood(&histories, &params.to_logs());
    let theirs = tiny["bgnbd_nll"].as_f64().unwrap();
    assert!((nll - theirs).abs() < 1e-10, "{nll} vs {theirs}");

    let g = &tiny["gamma_gamma_params"];
    let params = gamma_gamma::GammaGammaParams {
        p: g["p"].as_f64().unwrap(),
        q: g["q"].as_f64().unwrap(),
        v: g["v"].as_f64().unwrap(),
    };
    let repeat: Vec<(f64, f64)> = (0..f.len())
        .filter(|&i| f[i] > 0.0)
        .map(|i| (f[i], m[i]))
        .collect();
    let (nll, _) = gamma_gamma::negative_log_likelihood(&repeat, &params.to_logs());
    let theirs = tiny["gamma_gamma_nll"].as_f64().unwrap();
    assert!((nll - theirs).abs() < 1e-10, "{nll} vs {theirs}");
}

#[test]
fn ltv_cohorts_add_up_and_bands_bracket_the_estimate() {
    let f = forecast();
    let sum: f64 = f.cohorts.iter().map(|c| c.expected_value).sum();
    assert!((sum - f.total.expected_value).abs() < 1e-6 * sum);
    // CDNOW customers all first bought in the first quarter of 1997.
    let labels: Vec<&str> = f.cohorts.iter().map(|c| c.cohort.as_str()).collect();
    assert_eq!(labels, ["1997-01", "1997-02", "1997-03"]);
    for c in f.cohorts.iter().chain([&f.total]) {
        let band = c.expected_value_band.unwrap();
        assert!(
            band.low < c.expected_value && c.expected_value < band.high,
            "{c:?}"
        );
        let band = c.expected_purchases_band.unwrap();
        assert!(
            band.low < c.expected_purchases && c.expected_purchases < band.high,
            "{c:?}"
        );
    }
    let bucketed: usize = f.alive_distribution.iter().map(|b| b.customers).sum();
    assert_eq!(bucketed, f.customers.len());
    let top = f.top_customers(5);
    assert!(
        top.windows(2)
            .all(|w| w[0].expected_value >= w[1].expected_value)
    );
}
