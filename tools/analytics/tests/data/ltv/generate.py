"""Reference figures for omnify-analytics' LTV forecast, from Python `lifetimes`.

Builds `transactions.csv` (customer_id, date, amount) from lifetimes' bundled CDNOW
sample (2,357 customers, Jan 1997 - Jun 1998), fits BetaGeoFitter and GammaGammaFitter
with penalizer_coef=0 on the daily RFM summary, and writes `expected.json`: the fitted
parameters, the summary and predictions for a sample of customers, and the negative
log-likelihoods of a tiny data set at fixed parameters (to pin the maths).

Reproduce (from the repository root):
    python3 -m venv /tmp/ltvenv
    /tmp/ltvenv/bin/pip install lifetimes==0.11.3   # numpy 2.4, pandas 3.0, scipy 1.17 work
    /tmp/ltvenv/bin/python tools/analytics/tests/data/ltv/generate.py
then `cargo test -p omnify-analytics --test ltv_lifetimes`.
"""

import json
import os

import numpy as np
import pandas as pd
import lifetimes
import lifetimes.datasets
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

HERE = os.path.dirname(os.path.abspath(__file__))
HORIZON_DAYS = 90
OBSERVATION_END = "1998-06-30"
SAMPLE_EVERY = 40  # every 40th customer (by id) goes into the per-customer checks


def cdnow_transactions():
    path = os.path.join(os.path.dirname(lifetimes.datasets.__file__), "CDNOW_sample.txt")
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "customer_index", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": "c" + raw["customer_id"],
            "date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "amount": raw["amount"].round(2),
        }
    )


def main():
    transactions = cdnow_transactions()
    transactions.to_csv(os.path.join(HERE, "transactions.csv"), index=False)

    summary = summary_data_from_transaction_data(
        transactions,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=OBSERVATION_END,
        freq="D",
    )
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])

    # Gamma-Gamma needs repeat customers with a positive average repeat order.
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])

    f, r, T, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    purchases = bgf.conditional_expected_number_of_purchases_up_to_time(HORIZON_DAYS, f, r, T)
    alive = bgf.conditional_probability_alive(f, r, T)
    average = ggf.conditional_expected_average_profit(f, m)
    value = purchases * average

    sample_ids = sorted(summary.index)[::SAMPLE_EVERY]
    customers = []
    for cid in sample_ids:
        customers.append(
            {
                "customer_id": cid,
                "frequency": float(f[cid]),
                "recency": float(r[cid]),
                "T": float(T[cid]),
                "monetary_value": float(m[cid]),
                "expected_purchases": float(purchases[cid]),
                "probability_alive": float(np.atleast_1d(alive)[summary.index.get_loc(cid)]),
                "expected_average_value": float(average[cid]),
                "expected_value": float(value[cid]),
            }
        )

    # A tiny data set at fixed parameters: the mean negative log-likelihood as
    # lifetimes computes it (parameters passed as logs, as its optimiser sees them).
    tiny = {
        "frequency": [0.0, 1.0, 2.0, 5.0],
        "recency": [0.0, 30.0, 45.0, 200.0],
        "T": [100.0, 120.0, 90.0, 300.0],
        "monetary_value": [0.0, 20.0, 35.5, 12.25],
        "bgnbd_params": {"r": 0.5, "alpha": 20.0, "a": 0.8, "b": 2.5},
        "gamma_gamma_params": {"p": 3.0, "q": 4.0, "v": 15.0},
    }
    bp = tiny["bgnbd_params"]
    tf, tr, tT = (np.array(tiny[k]) for k in ("frequency", "recency", "T"))
    tiny["bgnbd_nll"] = float(
        BetaGeoFitter._negative_log_likelihood(
            np.log([bp["r"], bp["alpha"], bp["a"], bp["b"]]), tf, tr, tT, np.ones(4), 0.0
        )
    )
    gp = tiny["gamma_gamma_params"]
    mask = tf > 0
    tiny["gamma_gamma_nll"] = float(
        GammaGammaFitter._negative_log_likelihood(
            np.log([gp["p"], gp["q"], gp["v"]]),
            tf[mask],
            np.array(tiny["monetary_value"])[mask],
            np.ones(int(mask.sum())),
            0.0,
        )
    )

    expected = {
        "source": "lifetimes %s on CDNOW_sample.txt, daily periods" % lifetimes.__version__,
        "observation_end": OBSERVATION_END,
        "horizon_days": HORIZON_DAYS,
        "customers_total": int(len(summary)),
        "repeat_customers": int(len(repeat)),
        "params": {
            "r": float(bgf.params_["r"]),
            "alpha": float(bgf.params_["alpha"]),
            "a": float(bgf.params_["a"]),
            "b": float(bgf.params_["b"]),
            "p": float(ggf.params_["p"]),
            "q": float(ggf.params_["q"]),
            "v": float(ggf.params_["v"]),
        },
        "totals": {
            "expected_purchases": float(purchases.sum()),
            "expected_value": float(value.sum()),
        },
        "customers": customers,
        "tiny": tiny,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        json.dump(expected, out, indent=1)
        out.write("\n")
    print(json.dumps(expected["params"], indent=1))
    print(json.dumps(expected["totals"], indent=1))


if __name__ == "__main__":
    main()
