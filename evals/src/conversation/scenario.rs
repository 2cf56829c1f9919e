//! The scenario file format.

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

/// One conversation to run and what each of its turns must do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The surface the messages arrive on. Only `api` (the default) is run today.
    #[serde(default)]
    pub channel: Option<String>,
    /// The asking user's role. Only `member` (the default; the chat API's role) is run today.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub setup: Setup,
    /// Why this scenario is expected to fail today: reported, but not failing the gate.
    #[serde(default)]
    pub known_failure: Option<String>,
    pub turns: Vec<Turn>,
    /// The file it came from.
    #[serde(skip)]
    pub file: String,
}

/// What to arrange before the first turn.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Store a connection with wrong credentials for this platform (it replaces the
    /// emulator's working one), so its tools fail as an expired connection would.
    #[serde(default)]
    pub broken_connection: Option<String>,
    /// Create a second tenant with this name; `{other_tenant_id}` and
    /// `{other_tenant_name}` in messages and `forbid_facts` are replaced by it.
    #[serde(default)]
    pub other_tenant: Option<String>,
    /// Add an available expert serving the tenant (for hand-offs and approvals).
    #[serde(default)]
    pub expert: bool,
}

/// One user message and its expectations. Every expectation is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub user: String,
    /// Tools that must be called, with argument constraints. `tools: []` means no tool
    /// may be called.
    #[serde(default)]
    pub tools: Option<Vec<ToolExpect>>,
    #[serde(default)]
    pub forbid_tools: Vec<String>,
    /// Tools that may be called besides `tools` without counting against precision.
    #[serde(default)]
    pub allow_tools: Vec<String>,
    /// An intervention kind that must open an escalation in this turn, or `none`.
    #[serde(default)]
    pub escalate: Option<String>,
    /// Strings (case-insensitive) or numbers (within a tolerance) the reply must contain.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Strings the reply must not contain.
    #[serde(default)]
    pub forbid_facts: Vec<String>,
    /// Source lines the reply must cite, e.g. "Source: Meta".
    #[serde(default, alias = "citations")]
    pub sources: Vec<String>,
    /// `true`: the reply must ask a question; `false`: it must not.
    #[serde(default)]
    pub clarify: Option<bool>,
    #[serde(default)]
    pub max_steps: Option<u32>,
    /// The status the conversation's latest write action must have after the turn
    /// (`none`, `proposed`, `awaiting_expert`, `executed`, `cancelled`, …); one or a
    /// list of accepted ones. Unless `executed` is accepted, nothing may have executed.
    #[serde(default)]
    pub action: Option<OneOrMany>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s.clone()],
            Self::Many(v) => v.clone(),
        }
    }
}

/// A tool that must be called: its name, and argument constraints beside it
/// (`platform: meta`, `date_range: last_7_days` or `{since, until}`, `campaign: …`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ToolExpect {
    Name(String),
    WithArgs {
        name: String,
        #[serde(flatten)]
        args: Map<String, Value>,
    },
}

impl ToolExpect {
    pub fn name(&self) -> &str {
        match self {
            Self::Name(n) | Self::WithArgs { name: n, .. } => n,
        }
    }

    pub fn args(&self) -> Map<String, Value> {
        match self {
            Self::Name(_) => Map::new(),
            Self::WithArgs { args, .. } => args.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Fact {
    Number(f64),
    Text(String),
    /// A number with an explicit absolute tolerance.
    Tolerant {
        value: f64,
        tolerance: f64,
    },
}

impl Fact {
    pub fn describe(&self) -> String {
        match self {
            Self::Number(n) => format!("{n}"),
            Self::Text(s) => format!("{s:?}"),
            Self::Tolerant { value, tolerance } => format!("{value}±{tolerance}"),
        }
    }
}

/// Every `*.yaml` file in `dir`, sorted by file name; a file may hold one scenario or
/// a list of them.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Scenario>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed: OneOrList = serde_yaml_ng::from_str(&text)
            .with_context(|| format!("parsing {}", path.display()))?;
        let list = match parsed {
            OneOrList::One(s) => vec![*s],
            OneOrList::List(v) => v,
        };
        for mut s in list {
            s.file = file.clone();
            all.push(s);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in &all {
        if !seen.insert(s.name.clone()) {
            bail!("two scenarios are named {:?}", s.name);
        }
        if s.turns.is_empty() {
            bail!("scenario {:?} has no turns", s.name);
        }
        if let Some(c) = &s.channel
            && c != "api"
        {
            bail!("scenario {:?}: only channel `api` is supported", s.name);
        }
        if let Some(r) = &s.role
            && r != "member"
        {
            bail!("scenario {:?}: only role `member` is supported", s.name);
        }
    }
    Ok(all)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrList {
    List(Vec<Scenario>),
    One(Box<Scenario>),
}
