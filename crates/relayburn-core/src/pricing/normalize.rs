//! Model-name normalization: the spellings harnesses and clouds use for one model, reduced
//! step by step to the price table's key. Each step is tried against the table in turn, so
//! a name that is itself a key (`codex-mini-latest`) is never over-normalized.
//!
//! The same steps give the model's group key: [`PriceTable::model_key`]
//! is the table key a raw id resolves to, else [`base_model`] (the structural steps alone), so
//! pricing, `groupBy: 'model'` and the `model` filter agree on what one model is.
//!
//! [`PriceTable::model_key`]: super::PriceTable::model_key

/// The id without any `provider/` prefix (`openrouter/anthropic/claude-x` → `claude-x`).
fn after_slash(s: &str) -> &str {
    match s.rfind('/') {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// The provider named by a `provider/model` prefix, if any.
pub fn prefix_provider(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    let i = trimmed.find('/')?;
    let head = &trimmed[..i];
    (!head.is_empty()).then_some(head)
}

/// Where a turn was served, as its raw id tells: a `provider/` prefix (`openrouter`), a
/// Bedrock id (`[region.]vendor.model[-vN][:M]` → `bedrock`) or a Vertex id (`model@date` →
/// `vertex`). `None` for a plain id (the harness's own provider field then says).
pub fn route_provider(raw: &str) -> Option<String> {
    if let Some(p) = prefix_provider(raw) {
        return Some(p.to_ascii_lowercase());
    }
    let lower = raw.trim().to_ascii_lowercase();
    let head = lower.split('.').next().unwrap_or("");
    if lower.contains('.') && (REGIONS.contains(&head) || VENDORS.contains(&head)) {
        return Some("bedrock".into());
    }
    if lower.contains('@') {
        return Some("vertex".into());
    }
    None
}

/// Bedrock cross-region inference prefixes (`us.anthropic.claude-…`).
const REGIONS: &[&str] = &["us", "eu", "apac", "global", "au", "jp", "ca", "us-gov"];
/// Vendor prefixes of Bedrock model ids (`anthropic.claude-…-v1:0`).
const VENDORS: &[&str] = &[
    "anthropic",
    "openai",
    "google",
    "meta",
    "amazon",
    "mistral",
    "cohere",
];
/// Router variants after a `:` (`qwen3-coder:free`); a numeric tail is a Bedrock revision.
const ROUTER_VARIANTS: &[&str] = &[
    "free", "beta", "thinking", "extended", "nitro", "floor", "online", "exacto",
];

/// Candidate keys for `raw`, most specific first, and the index of [`base_model`] in them.
fn chain(raw: &str) -> (Vec<String>, usize) {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    let lower = raw.trim().to_ascii_lowercase();
    push(&lower);
    // `claude-sonnet-4-5[1m]` (Claude Code's long-context alias) → base id.
    let mut s = match lower.find('[') {
        Some(i) => lower[..i].to_string(),
        None => lower.clone(),
    };
    s = after_slash(&s).to_string();
    push(&s);
    // Vertex: `claude-sonnet-4@20250514`.
    if let Some(i) = s.find('@') {
        s.truncate(i);
    }
    // Bedrock: `[region.]vendor.model-vN:M`.
    while let Some(dot) = s.find('.') {
        let head = &s[..dot];
        if !(REGIONS.contains(&head) || VENDORS.contains(&head)) {
            break;
        }
        s = s[dot + 1..].to_string();
    }
    // `:0` (Bedrock revision), `:free`, `:thinking` (routers); other tags (`ft:…`, a local
    // model's `llama3:8b`) are part of the name.
    if let Some(i) = s.rfind(':') {
        let tail = &s[i + 1..];
        if i > 0
            && !tail.is_empty()
            && (tail.bytes().all(|b| b.is_ascii_digit()) || ROUTER_VARIANTS.contains(&tail))
        {
            s.truncate(i);
        }
    }
    push(&s);
    // `claude-sonnet-4.5` (OpenRouter), `claude-4-opus` (LiteLLM's old ids) → `claude-sonnet-4-5`.
    s = claude_canonical(&s);
    push(&s);
    s = strip_version(&s).to_string();
    push(&s);
    s = strip_date(&s).to_string();
    push(&s);
    let base_id = s.clone();
    for suffix in ["-latest", "-preview", "-thinking"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = strip_date(rest).to_string();
            push(&s);
        }
    }
    let base = out.iter().position(|o| *o == base_id).unwrap_or(0);
    (out, base)
}

/// Candidate keys for `raw`, most specific first. Lower-cased; duplicates removed.
pub fn candidates(raw: &str) -> Vec<String> {
    chain(raw).0
}

/// The model a raw id names, by structure alone: lower-cased, without provider and Bedrock
/// region/vendor prefixes, `[1m]`, Vertex `@date`, `-vN`/`:N` revisions, router variants and
/// date suffixes, with Claude's canonical spelling (`jp.anthropic.claude-haiku-4-5-20251001-v1:0`,
/// `claude-haiku-4-5@20251001` and `anthropic/claude-haiku-4.5` → `claude-haiku-4-5`). The group
/// key of a model the price table does not know; empty for an empty id.
pub fn base_model(raw: &str) -> String {
    let (mut c, base) = chain(raw);
    if c.is_empty() {
        String::new()
    } else {
        c.swap_remove(base)
    }
}

/// Claude ids spelled with dotted versions (`claude-opus-4.1`, `claude-3.7-sonnet`) or with
/// the version before the family for 4.x and later (`claude-4-sonnet-20250514`,
/// `claude-4.5-opus`), rewritten to Anthropic's spelling (`claude-opus-4-1`,
/// `claude-3-7-sonnet`, `claude-sonnet-4`, `claude-opus-4-5`). Claude 3.x ids keep the version
/// first (that is their real spelling); anything else is returned unchanged.
pub(super) fn claude_canonical(s: &str) -> String {
    if !s.starts_with("claude-") {
        return s.to_string();
    }
    let b = s.as_bytes();
    let dashed: String = s
        .char_indices()
        .map(|(i, c)| {
            let between_digits =
                i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit();
            if c == '.' && between_digits {
                '-'
            } else {
                c
            }
        })
        .collect();
    let parts: Vec<&str> = dashed.split('-').collect();
    let short_num =
        |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    let mut i = 1;
    while i < parts.len() && i < 3 && short_num(parts[i]) {
        i += 1;
    }
    let major: u32 = parts
        .get(1)
        .filter(|p| short_num(p))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if i > 1 && major >= 4 && matches!(parts.get(i), Some(&("opus" | "sonnet" | "haiku"))) {
        let mut out = vec!["claude", parts[i]];
        out.extend_from_slice(&parts[1..i]);
        out.extend_from_slice(&parts[i + 1..]);
        return out.join("-");
    }
    dashed
}

/// `-v1`, `-v2` (Bedrock and Vertex revision suffixes).
fn strip_version(s: &str) -> &str {
    if let Some(i) = s.rfind("-v") {
        let tail = &s[i + 2..];
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            return &s[..i];
        }
    }
    s
}

/// `-20250929`, `-2025-04-14`, and Google's `-05-06` and `-09-2025` preview dates.
fn strip_date(s: &str) -> &str {
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if let Some(i) = s.rfind('-') {
        let tail = &s[i + 1..];
        if tail.len() == 8 && digits(tail) {
            return &s[..i];
        }
    }
    let b = s.as_bytes();
    // -YYYY-MM-DD
    if b.len() > 11 && b[b.len() - 11] == b'-' {
        let tail = &s[s.len() - 10..];
        let parts: Vec<&str> = tail.split('-').collect();
        if parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[2].len() == 2
            && parts.iter().all(|p| digits(p))
        {
            return &s[..s.len() - 11];
        }
    }
    // -MM-YYYY (gemini-2.5-flash-preview-09-2025)
    if b.len() > 8 && b[b.len() - 8] == b'-' && b[b.len() - 5] == b'-' {
        let (mm, yyyy) = (&s[s.len() - 7..s.len() - 5], &s[s.len() - 4..]);
        if digits(mm) && digits(yyyy) && yyyy.starts_with("20") {
            return &s[..s.len() - 8];
        }
    }
    // -MM-DD (gemini-2.5-pro-preview-05-06)
    if b.len() > 6 && b[b.len() - 6] == b'-' && b[b.len() - 3] == b'-' {
        let (mm, dd) = (&s[s.len() - 5..s.len() - 3], &s[s.len() - 2..]);
        if digits(mm) && digits(dd) {
            return &s[..s.len() - 6];
        }
    }
    s
}
