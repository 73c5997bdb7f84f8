use super::*;
use crate::hash::short_hex;
use serde_json::Value;

/// The hash as it was computed before this module: through a `Value` and its string.
fn reference(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let stable = match &value {
        Value::Null => "{}".to_string(),
        v => v.to_string(),
    };
    short_hex(stable.as_bytes())
}

fn reference_str(text: &str, key: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn same(text: &str) {
    let args = Args::parse(text);
    assert_eq!(args.hash(), reference(text), "hash of {text:?}");
    for key in ["a", "b", "file_path", "command", "é", "k"] {
        assert_eq!(
            args.str(key),
            reference_str(text, key),
            "field {key} of {text:?}"
        );
    }
}

#[test]
fn hashes_equal_the_value_round_trip() {
    for text in [
        r#"{"command":"ls"}"#,
        r#"{"file_path":"/src/a.ts"}"#,
        r#"{"b":1,"a":{"d":2,"c":3}}"#,
        r#" { "a" : [ 1 , { "z" : null , "y" : true } ] , "b" : false } "#,
        // A duplicate key keeps its last value, in the first key's place.
        r#"{"a":1,"b":2,"a":3}"#,
        r#"{"a":{"x":1},"a":"s"}"#,
        // Escapes serde_json writes the same, and ones it writes differently.
        r#"{"a":"line\nnext\t\"q\" \\ \b\f\r \u0001 \u001f"}"#,
        r#"{"a":"\/ \u0041 \u00e9 \u00E9 \u001F \u000a \u0008 \ud83d\ude00 é ✓"}"#,
        r#"{"\u0062":1,"a":2}"#,
        r#"{"é":"x","e":"y","\u00e9":"z"}"#,
        // Numbers as serde_json prints them.
        r#"{"a":1.50,"b":1e2,"c":-0,"d":0.0,"e":1E-7,"f":18446744073709551615,"g":-9223372036854775808}"#,
        r#"{"a":123456789012345678901234567890,"b":-1.5e300}"#,
        // Not objects at the top.
        r#"[3,{"b":1,"a":2},"s"]"#,
        r#""text""#,
        "42",
        "true",
        "null",
        " null ",
        "{}",
        "[]",
        "",
        // Does not parse: hashes as {}.
        r#"{"a":1e400}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\ud800x"}"#,
        r#"{"a":1,}"#,
        r#"{"a":tru}"#,
        r#"{"a":"bad \x"}"#,
        "{\"a\":\"raw \u{1} control\"}",
        r#"{"a":1} trailing"#,
        r#"{"a":"unterminated}"#,
        "nul",
    ] {
        same(text);
    }
}

#[test]
fn nesting_fails_where_a_value_would() {
    for depth in [126, 127, 128, 129] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        same(&arrays);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        same(&objects);
    }
}

/// A small deterministic generator of JSON texts, valid and broken, over the cases above.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn string(&mut self) -> String {
        let parts = [
            "a",
            "b",
            "é",
            "✓",
            " ",
            "\\n",
            "\\t",
            "\\\"",
            "\\\\",
            "\\/",
            "\\u0041",
            "\\u00e9",
            "\\u001f",
            "\\u001F",
            "\\u000a",
            "\\u0008",
            "\\ud83d\\ude00",
            "k",
            "file_path",
            "",
        ];
        let n = self.next() % 4;
        let body: String = (0..n).map(|_| self.pick(&parts)).collect();
        format!("\"{body}\"")
    }

    fn value(&mut self, depth: u32) -> String {
        match self.next() % if depth > 3 { 4 } else { 6 } {
            0 => self.string(),
            1 => self
                .pick(&[
                    "0",
                    "-0",
                    "1.50",
                    "1e2",
                    "-3",
                    "2.5E-3",
                    "18446744073709551616",
                    "0.1",
                ])
                .to_string(),
            2 => self.pick(&["true", "false", "null"]).to_string(),
            3 => self.string(),
            4 => {
                let n = self.next() % 4;
                let items: Vec<String> = (0..n).map(|_| self.value(depth + 1)).collect();
                format!("[{}]", items.join(self.pick(&[",", " , "])))
            }
            _ => {
                let n = self.next() % 5;
                let keys = [
                    "\"a\"",
                    "\"b\"",
                    "\"k\"",
                    "\"\\u0061\"",
                    "\"é\"",
                    "\"file_path\"",
                ];
                let items: Vec<String> = (0..n)
                    .map(|_| format!("{}:{}", self.pick(&keys), self.value(depth + 1)))
                    .collect();
                format!("{{{}}}", items.join(","))
            }
        }
    }
}

#[test]
fn generated_texts_hash_as_their_value_does() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let mut text = g.value(0);
        if g.next() % 8 == 0 && !text.is_empty() {
            // Broken: a byte dropped somewhere (kept on a char boundary).
            let at = (g.next() % text.len() as u64) as usize;
            if text.is_char_boundary(at) && text.is_char_boundary(at + 1) {
                text.remove(at);
            }
        }
        same(&text);
    }
}
