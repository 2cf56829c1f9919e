//! The brand's Stripe data as API objects, in the basil-version shapes (period on the
//! subscription items, the invoice's subscription under `parent`).

use crate::sandbox::brand::stripe::{StripeAccount, StripeInvoice, StripeSubscription};
use serde_json::{Value, json};

pub(crate) fn subscription(account: &StripeAccount, sub: &StripeSubscription) -> Value {
    let price = account.price(&sub.price_id);
    let item_id = sub.id.replacen("sub_", "si_", 1);
    json!({
        "id": sub.id,
        "object": "subscription",
        "customer": sub.customer_id,
        "status": sub.status,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": sub.canceled_at.map(|t| t.timestamp()),
        "ended_at": sub.ended_at.map(|t| t.timestamp()),
        "created": sub.created.timestamp(),
        "start_date": sub.created.timestamp(),
        "currency": "usd",
        "collection_method": "charge_automatically",
        "livemode": false,
        "metadata": {},
        "items": {
            "object": "list",
            "data": [{
                "id": item_id,
                "object": "subscription_item",
                "quantity": 1,
                "price": {
                    "id": sub.price_id,
                    "object": "price",
                    "nickname": price.map(|p| p.nickname.clone()),
                    "product": account.product_id,
                    "unit_amount": price.map(|p| p.unit_amount),
                    "currency": "usd",
                    "recurring": {"interval": price.map(|p| p.interval.clone()), "interval_count": 1},
                },
                "current_period_start": sub.current_period_start.timestamp(),
                "current_period_end": sub.current_period_end.timestamp(),
            }],
            "has_more": false,
            "url": format!("/v1/subscription_items?subscription={}", sub.id),
        },
    })
}

pub(crate) fn invoice(account: &StripeAccount, invoice: &StripeInvoice) -> Value {
    let nickname = account
        .price(&invoice.price_id)
        .map_or("Gear Club", |p| p.nickname.as_str());
    json!({
        "id": invoice.id,
        "object": "invoice",
        "customer": invoice.customer_id,
        "status": "paid",
        "currency": "usd",
        "amount_due": invoice.amount,
        "amount_paid": invoice.amount,
        "amount_remaining": 0,
        "total": invoice.amount,
        "subtotal": invoice.amount,
        "period_start": invoice.period_start.timestamp(),
        "period_end": invoice.period_end.timestamp(),
        "created": invoice.created.timestamp(),
        "billing_reason": "subscription_cycle",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": invoice.subscription_id, "metadata": {}},
        },
        "lines": {
            "object": "list",
            "data": [{
                "id": invoice.id.replacen("in_", "il_", 1),
                "object": "line_item",
                "amount": invoice.amount,
                "currency": "usd",
                "description": format!("1 × {nickname}"),
                "period": {"start": invoice.period_start.timestamp(), "end": invoice.period_end.timestamp()},
            }],
            "has_more": false,
            "url": format!("/v1/invoices/{}/lines", invoice.id),
        },
        "livemode": false,
    })
}

pub(crate) fn charge(invoice: &StripeInvoice) -> Value {
    let suffix = invoice.charge_id.trim_start_matches("ch_");
    json!({
        "id": invoice.charge_id,
        "object": "charge",
        "amount": invoice.amount,
        "amount_captured": invoice.amount,
        "amount_refunded": 0,
        "currency": "usd",
        "status": "succeeded",
        "paid": true,
        "refunded": false,
        "customer": invoice.customer_id,
        "balance_transaction": format!("txn_{suffix}"),
        "payment_intent": format!("pi_{suffix}"),
        "created": invoice.created.timestamp(),
        "metadata": {},
        "livemode": false,
    })
}
