//! A Meta client on the sandbox, for the analytic tools' end-to-end tests.
#![allow(clippy::unwrap_used)]

use crate::connections::{ClientDirectory, PlatformClients, SharedClients};
use crate::sandbox::brand::{Brand, BrandConfig};
use crate::{MetaAdsClient, MetaConfig, RunningSandbox};
use chrono::{Duration, NaiveDate};
use omnify_core::{Secret, ToolContext};
use std::sync::Arc;

pub(crate) const END: (i32, u32, u32) = (2026, 11, 23);

pub(crate) async fn meta_tool_context() -> (Arc<dyn ClientDirectory>, ToolContext, RunningSandbox) {
    let end = NaiveDate::from_ymd_opt(END.0, END.1, END.2).unwrap();
    let brand = Brand::shared(BrandConfig::new(42, end));
    let sandbox = crate::spawn(brand, "token".to_owned()).await.unwrap();
    let meta = MetaAdsClient::new(MetaConfig {
        base_url: sandbox.meta_base_url(),
        ..MetaConfig::new(Secret::new("token"), "act_1234567890")
    })
    .unwrap();
    let mut clients = PlatformClients::new();
    clients.ads_mut().insert(Arc::new(meta));
    let ctx = ToolContext {
        tenant_id: "t".into(),
        conversation_id: "c".into(),
        user_id: None,
        today: end + Duration::days(1),
    };
    (Arc::new(SharedClients(Arc::new(clients))), ctx, sandbox)
}
