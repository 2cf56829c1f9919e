#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)] // each test binary uses some
//! Helpers shared by several test files (`mod common;`).

pub mod discord;
pub mod slack;
