use super::*;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

fn tokens(input: i64, output: i64, cache_read: i64, w5: i64, w1: i64) -> Tokens {
    Tokens {
        input,
        output,
        cache_read,
        cache_write_5m: w5,
        cache_write_1h: w1,
    }
}

#[test]
fn shipped_table_parses_and_covers_the_harness_models() {
    let t = PriceTable::builtin().unwrap();
    for m in [
        "claude-opus-4-5",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-3-5-haiku",
        "gpt-5",
        "gpt-5-codex",
        "gpt-5-mini",
        "gpt-4.1",
        "o3",
        "o4-mini",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    ] {
        assert!(t.lookup(m).is_some(), "{m} has no price");
    }
}

#[test]
fn each_token_class_at_list_price() {
    let t = PriceTable::builtin().unwrap();
    let sonnet = t.lookup("claude-sonnet-4-5-20250929").unwrap();
    // $3 in, $15 out, $0.30 cache read, $3.75 5-minute write, $6 1-hour write per MTok.
    close(sonnet.turn_cost(&tokens(100_000, 0, 0, 0, 0)), 0.3);
    close(sonnet.turn_cost(&tokens(0, 1_000_000, 0, 0, 0)), 15.0);
    close(sonnet.turn_cost(&tokens(0, 0, 100_000, 0, 0)), 0.03);
    close(sonnet.turn_cost(&tokens(0, 0, 0, 100_000, 0)), 0.375);
    close(sonnet.turn_cost(&tokens(0, 0, 0, 0, 100_000)), 0.6);
    // 1000·3 + 2000·15 + 10000·0.3 + 4000·3.75 + 3000·6 = 69,000 µ$.
    close(
        sonnet.turn_cost(&tokens(1_000, 2_000, 10_000, 4_000, 3_000)),
        0.069,
    );
    let opus = t.lookup("claude-opus-4-1").unwrap();
    close(opus.turn_cost(&tokens(0, 0, 0, 1_000_000, 0)), 18.75);
    close(opus.turn_cost(&tokens(0, 0, 0, 0, 1_000_000)), 30.0);
}

#[test]
fn long_context_tier_applies_above_200k_prompt_tokens() {
    let t = PriceTable::builtin().unwrap();
    let sonnet = t.lookup("claude-sonnet-4-5").unwrap();
    // Exactly 200k is still the base tier.
    close(sonnet.turn_cost(&tokens(200_000, 0, 0, 0, 0)), 0.6);
    // 150k input + 60k cache read = 210k prompt: $6 in, $22.50 out, $0.60 cache read.
    close(
        sonnet.turn_cost(&tokens(150_000, 1_000, 60_000, 0, 0)),
        (150_000.0 * 6.0 + 1_000.0 * 22.5 + 60_000.0 * 0.6) / 1e6,
    );
    let gemini = t.lookup("gemini-2.5-pro").unwrap();
    close(gemini.turn_cost(&tokens(250_000, 1_000, 0, 0, 0)), 0.64);
    close(gemini.turn_cost(&tokens(100_000, 1_000, 0, 0, 0)), 0.135);
    // Haiku has no tier: a long prompt stays at base price.
    let haiku = t.lookup("claude-haiku-4-5").unwrap();
    close(haiku.turn_cost(&tokens(300_000, 0, 0, 0, 0)), 0.3);
}

#[test]
fn reasoning_is_inside_output_and_never_billed_twice() {
    let t = PriceTable::builtin().unwrap();
    let codex = t.lookup("gpt-5-codex").unwrap();
    // Codex: 10k fresh input, 90k cached, 5k output of which 4k reasoning:
    // 10000·1.25 + 90000·0.125 + 5000·10 = 73,750 µ$ (the 4k reasoning is not added again).
    close(
        codex.turn_cost(&tokens(10_000, 5_000, 90_000, 0, 0)),
        0.07375,
    );
}

#[test]
fn normalization_table() {
    let t = PriceTable::builtin().unwrap();
    let cases = [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("Claude-Sonnet-4-5", "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("openrouter/anthropic/claude-opus-4-1", "claude-opus-4-1"),
        ("claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5"),
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "claude-sonnet-4-5",
        ),
        (
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "claude-3-5-sonnet",
        ),
        (
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-haiku-4-5",
        ),
        ("claude-sonnet-4@20250514", "claude-sonnet-4"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("openai/gpt-5-codex", "gpt-5-codex"),
        ("codex-mini-latest", "codex-mini-latest"),
        ("o3-2025-04-16", "o3"),
        ("google/gemini-2.5-pro", "gemini-2.5-pro"),
        (
            "publishers/google/models/gemini-2.5-flash",
            "gemini-2.5-flash",
        ),
        ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro"),
        ("gemini-3-pro-preview", "gemini-3-pro-preview"),
        // Spellings from the catalogs' ids (LiteLLM 1.109.1, genai-prices 0.1.8) and routers.
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("openrouter/anthropic/claude-opus-4.1", "claude-opus-4-1"),
        ("claude-3.7-sonnet", "claude-3-7-sonnet"),
        ("anthropic/claude-3.5-haiku", "claude-3-5-haiku"),
        ("claude-4-opus-20250514", "claude-opus-4"),
        ("claude-4-sonnet-20250514", "claude-sonnet-4"),
        ("claude-4.5-opus", "claude-opus-4-5"),
        ("claude-opus-4-6[1m]", "claude-opus-4-6"),
        ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("global.anthropic.claude-opus-4-7", "claude-opus-4-7"),
        (
            "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "claude-sonnet-4-5",
        ),
        (
            "apac.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "claude-3-5-sonnet",
        ),
        (
            "bedrock/us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0",
            "claude-sonnet-4-5",
        ),
        ("vertex_ai/claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-3-7-sonnet-20250219-thinking", "claude-3-7-sonnet"),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash"),
        (
            "gemini/gemini-2.5-flash-lite-preview-09-2025",
            "gemini-2.5-flash-lite",
        ),
        ("gemini-3.1-flash-lite-preview", "gemini-3.1-flash-lite"),
        (
            "gemini-3.1-pro-preview-customtools",
            "gemini-3.1-pro-preview",
        ),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        // gpt-4o's first snapshot kept its own, higher price.
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-5.4-2026-03-05", "gpt-5.4"),
        ("azure/gpt-5.1-chat", "gpt-5.1-chat-latest"),
        ("openai/gpt-6.1-sol", "gpt-6.1-sol"),
    ];
    for (raw, key) in cases {
        assert_eq!(t.resolve(raw).as_deref(), Some(key), "{raw}");
    }
    for unknown in [
        "",
        "my-local-llama",
        "claude-unknown-9",
        "gpt-4.1x",
        // Priced differently from their base model: never folded into it.
        "ft:gpt-4.1-2025-04-14",
        "gpt-4o-audio-preview-2024-12-17",
        "gemini-2.5-pro-preview-tts",
        // A 100k prompt tier the table cannot express: left unpriced, listed.
        "claude-haiku-5-5",
    ] {
        assert_eq!(t.resolve(unknown), None, "{unknown}");
    }
    assert_eq!(base_model("anthropic/claude-x"), "claude-x");
    assert_eq!(base_model("claude-x"), "claude-x");
    assert_eq!(
        prefix_provider("openrouter/anthropic/claude-x"),
        Some("openrouter")
    );
}

#[test]
fn override_file_replaces_and_adds_models() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(OVERRIDE_FILE),
        r#"{"models": {"claude-sonnet-4-5": {"input": 1, "output": 2},
                       "my-local-llama": {"input": 0.5, "output": 0.5, "cacheRead": 0.1}},
            "aliases": {"llama-prod": "my-local-llama"}}"#,
    )
    .unwrap();
    let t = PriceTable::load(home.path()).unwrap();
    let sonnet = t.lookup("claude-sonnet-4-5-20250929").unwrap();
    // Missing cache rates default to the input rate; the shipped tier is gone with the entry.
    close(
        sonnet.turn_cost(&tokens(1_000_000, 1_000_000, 0, 0, 0)),
        3.0,
    );
    close(
        sonnet.turn_cost(&tokens(0, 0, 1_000_000, 1_000_000, 1_000_000)),
        3.0,
    );
    close(sonnet.turn_cost(&tokens(300_000, 0, 0, 0, 0)), 0.3);
    close(
        t.lookup("llama-prod")
            .unwrap()
            .turn_cost(&tokens(0, 0, 1_000_000, 0, 0)),
        0.1,
    );
    // Untouched entries keep the shipped price.
    close(
        t.lookup("claude-haiku-4-5")
            .unwrap()
            .turn_cost(&tokens(1_000_000, 0, 0, 0, 0)),
        1.0,
    );
    assert_ne!(t.digest, PriceTable::builtin().unwrap().digest);
}

#[test]
fn the_highest_sane_rate_is_accepted() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(OVERRIDE_FILE),
        r#"{"models": {"x": {"input": 100000, "output": 0}}}"#,
    )
    .unwrap();
    let table = PriceTable::load(home.path()).unwrap();
    let cost = table
        .lookup("x")
        .unwrap()
        .turn_cost(&tokens(1_000_000_000, 0, 0, 0, 0));
    assert!(cost.is_finite());
    close(cost, 100_000_000.0);
}

#[test]
fn malformed_override_is_an_error_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    for bad in [
        "{",
        r#"{"models": {"x": {"input": -1, "output": 1}}}"#,
        r#"{"models": {"x": {"input": 1, "output": 1, "tiers": [{"above": 123, "input": 2}]}}}"#,
        r#"{"models": {"x": {"input": 1}}}"#,
        r#"{"modles": {}}"#,
        // Absurd or non-finite rates: costs would be Infinity (then null in JSON).
        r#"{"models": {"x": {"input": 1e308, "output": 1}}}"#,
        r#"{"models": {"x": {"input": 1, "output": 100000.01}}}"#,
        r#"{"models": {"x": {"input": 1, "output": 1, "tiers": [{"above": 200000, "cacheRead": 1e20}]}}}"#,
        r#"{"models": {"x": {"input": 1e999, "output": 1}}}"#,
    ] {
        std::fs::write(home.path().join(OVERRIDE_FILE), bad).unwrap();
        let err = PriceTable::load(home.path()).unwrap_err();
        assert_eq!(err.code(), "IO", "{bad}");
        assert!(err.path().unwrap().ends_with(OVERRIDE_FILE));
    }
}

#[test]
fn claude_spellings_are_canonical() {
    for (raw, want) in [
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-4.5-sonnet", "claude-sonnet-4-5"),
        ("claude-4-opus-20250514", "claude-opus-4-20250514"),
        ("claude-3.5-sonnet", "claude-3-5-sonnet"),
        // Claude 3.x ids put the version first: unchanged.
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20241022"),
        ("claude-4", "claude-4"),
        ("gpt-4.1", "gpt-4.1"),
    ] {
        assert_eq!(super::normalize::claude_canonical(raw), want, "{raw}");
    }
}

/// Costs computed by hand from the verified list prices (USD per million tokens, see
/// `data/prices.json` `sources`). A change here is a price change: recompute by hand.
#[test]
fn verified_list_prices_by_hand() {
    let t = PriceTable::builtin().unwrap();
    let cost = |m: &str, tk: Tokens| t.lookup(m).unwrap_or_else(|| panic!("{m}")).turn_cost(&tk);

    // Opus 4.6 bills the whole 1M window at standard rates (no 200k tier):
    // 100k·5 + 400k cache read·0.50 + 10k·25 = 0.5 + 0.2 + 0.25.
    close(
        cost("claude-opus-4-6", tokens(100_000, 10_000, 400_000, 0, 0)),
        0.95,
    );
    // Sonnet 4.6 likewise: 300k cache read·0.30 + 1k·15.
    close(
        cost("claude-sonnet-4-6", tokens(0, 1_000, 300_000, 0, 0)),
        0.105,
    );
    // Sonnet 4 (retired 1M beta) above 200k: 1-hour writes at $12: 250k·12.
    close(
        cost("claude-sonnet-4-20250514", tokens(0, 0, 0, 0, 250_000)),
        3.0,
    );
    // Opus 4.5: 5m write 6.25, 1h write 10, read 0.50: 10k·6.25 + 10k·10 + 100k·0.5.
    close(
        cost(
            "claude-opus-4-5-20251101",
            tokens(0, 0, 100_000, 10_000, 10_000),
        ),
        0.2125,
    );
    // Opus 5.5 reads cache at 0.05× input: 1M·0.20.
    close(cost("claude-opus-5-5", tokens(0, 0, 1_000_000, 0, 0)), 0.2);
    // Haiku 4.5: 1M·1 + 1M·5 + 1M·0.10 + 1M·1.25 + 1M·2.
    close(
        cost(
            "claude-haiku-4-5",
            tokens(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000),
        ),
        9.35,
    );
    // GPT-5.4: exactly 272k prompt tokens is still the base rate:
    // 200k·2.50 + 72k cached·0.25 + 1k·15 = 0.5 + 0.018 + 0.015.
    close(cost("gpt-5.4", tokens(200_000, 1_000, 72_000, 0, 0)), 0.533);
    // A 250k prompt passes the 200k threshold, but OpenAI's tier starts above 272k.
    close(cost("gpt-5.4", tokens(250_000, 0, 0, 0, 0)), 0.625);
    // Above 272k the whole request doubles in, ×1.5 out:
    // 250k·5 + 50k cached·0.50 + 2k·22.50 = 1.25 + 0.025 + 0.045.
    close(cost("gpt-5.4", tokens(250_000, 2_000, 50_000, 0, 0)), 1.32);
    // gpt-5-codex (Codex): 10k·1.25 + 90k cached·0.125 + 5k·10.
    close(
        cost("gpt-5-codex", tokens(10_000, 5_000, 90_000, 0, 0)),
        0.07375,
    );
    // GPT-6 Sol cache writes: 10k·2.50, and ×2 above 272k: 300k·4 + 10k·5.
    close(cost("gpt-6-sol", tokens(0, 0, 0, 10_000, 0)), 0.025);
    close(cost("gpt-6-sol", tokens(300_000, 0, 0, 10_000, 0)), 1.25);
    // GPT-5.4 pro has no cache discount: above 272k cached tokens pay the tier's input rate,
    // 300k·60 + 1k·270.
    close(cost("gpt-5.4-pro", tokens(0, 1_000, 300_000, 0, 0)), 18.27);
    // gpt-4o's first snapshot: $5 in; later snapshots $2.50.
    close(
        cost("gpt-4o-2024-05-13", tokens(1_000_000, 0, 0, 0, 0)),
        5.0,
    );
    close(
        cost("gpt-4o-2024-08-06", tokens(1_000_000, 0, 0, 0, 0)),
        2.5,
    );
    // Gemini 3.1 Pro above 200k: 210k·4 + 1k·18.
    close(
        cost("gemini-3.1-pro-preview", tokens(210_000, 1_000, 0, 0, 0)),
        0.858,
    );
    // Gemini 2.5 Flash (no tier): 1M·0.30 + 1M·2.50 + 1M cached·0.03.
    close(
        cost(
            "gemini-2.5-flash",
            tokens(1_000_000, 1_000_000, 1_000_000, 0, 0),
        ),
        2.83,
    );
}

/// Issue 26: every spelling of one model gives one key (pricing, group key, filter); a
/// snapshot priced apart keeps its own; unknown models reduce by structure alone.
#[test]
fn one_model_key_for_every_spelling() {
    let t = PriceTable::builtin().unwrap();
    for raw in [
        "claude-haiku-4-5-20251001",
        "claude-haiku-4-5",
        "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "claude-haiku-4-5@20251001",
        "anthropic/claude-haiku-4.5",
        "openrouter/anthropic/claude-haiku-4.5",
        "Claude-Haiku-4-5-20251001",
    ] {
        assert_eq!(t.model_key(raw), "claude-haiku-4-5", "{raw}");
    }
    assert_eq!(t.model_key("claude-sonnet-4-5[1m]"), "claude-sonnet-4-5");
    assert_eq!(t.model_key("claude-opus-4-6[1m]"), "claude-opus-4-6");
    assert_eq!(t.model_key("gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
    assert_eq!(t.model_key("gpt-4o-2024-08-06"), "gpt-4o");
    assert_eq!(t.model_key("openai/gpt-5"), "gpt-5");
    // Unknown: the structural steps only; tags that are part of a name are kept.
    assert_eq!(
        t.model_key("us.anthropic.claude-new-9-20270101-v1:0"),
        "claude-new-9"
    );
    assert_eq!(t.model_key("claude-new-9@20270101"), "claude-new-9");
    assert_eq!(t.model_key("my-local-llama"), "my-local-llama");
    assert_eq!(t.model_key("llama3:8b"), "llama3:8b");
    assert_eq!(t.model_key("qwen/qwen3-coder:free"), "qwen3-coder");
    assert_eq!(t.model_key("ft:gpt-4.1-2025-04-14"), "ft:gpt-4.1");
    assert_eq!(t.model_key(""), "");
    // The key prices like the raw id (costs unchanged).
    let tk = tokens(1000, 2000, 3000, 400, 500);
    for raw in [
        "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "claude-sonnet-4-5[1m]",
    ] {
        assert_eq!(
            t.lookup(raw).unwrap().turn_cost(&tk),
            t.lookup(&t.model_key(raw)).unwrap().turn_cost(&tk),
            "{raw}"
        );
    }
}

#[test]
fn route_providers() {
    assert_eq!(
        route_provider("openrouter/anthropic/claude-x").as_deref(),
        Some("openrouter")
    );
    assert_eq!(
        route_provider("jp.anthropic.claude-haiku-4-5-20251001-v1:0").as_deref(),
        Some("bedrock")
    );
    assert_eq!(
        route_provider("anthropic.claude-opus-4-6-v1").as_deref(),
        Some("bedrock")
    );
    assert_eq!(
        route_provider("claude-sonnet-4@20250514").as_deref(),
        Some("vertex")
    );
    assert_eq!(route_provider("claude-sonnet-4-5"), None);
    assert_eq!(route_provider("gpt-5.1-codex"), None);
}

#[test]
fn turns_without_tokens_or_without_a_price_cost_what_their_harness_reported() {
    let table = PriceTable::builtin().unwrap();
    let price = table.lookup("gpt-5");
    assert!(price.is_some());
    let none = Tokens::default();
    let some = Tokens {
        input: 1_000_000,
        ..Default::default()
    };
    assert_eq!(cost_or_reported(price, 0, &none, 0.25), 0.25);
    assert_eq!(cost_or_reported(None, 0, &some, 0.25), 0.25);
    let priced = cost_or_reported(price, 0, &some, 0.25);
    assert!(priced > 0.0 && priced != 0.25, "{priced}");
}
