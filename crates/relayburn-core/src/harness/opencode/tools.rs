//! OpenCode tool parts → tool calls: the primary target per tool (OpenCode's lowercase tool
//! names and camelCase arguments) and the `argsHash` over key-sorted JSON input.

use crate::hash::short_hex;
use crate::vocab::records::ToolCall;

pub(super) fn tool_call(id: String, name: String, input: &str) -> ToolCall {
    // serde_json's default map is a BTreeMap, so re-serializing sorts keys at every depth.
    let value: serde_json::Value = serde_json::from_str(input).unwrap_or(serde_json::Value::Null);
    let stable = match &value {
        serde_json::Value::Object(_) => value.to_string(),
        _ => "{}".to_string(),
    };
    ToolCall {
        args_hash: short_hex(stable.as_bytes()),
        target: target_of(&name, &value),
        id,
        name,
    }
}

fn target_of(name: &str, input: &serde_json::Value) -> Option<String> {
    let get = |k: &str| input.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
    match name {
        "read" | "write" | "edit" | "multiedit" | "patch" | "list" => {
            first(&["filePath", "file_path", "path"])
        }
        "bash" => get("command"),
        "grep" | "glob" => get("pattern"),
        "webfetch" => get("url"),
        "websearch" | "codesearch" => get("query"),
        "task" => first(&["subagent_type", "description", "prompt"]),
        _ => first(&["filePath", "file_path", "path", "url", "command"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_args_hash() {
        let read = tool_call("c1".into(), "read".into(), r#"{"filePath":"/src/a.ts"}"#);
        assert_eq!(read.target.as_deref(), Some("/src/a.ts"));
        let bash = tool_call("c2".into(), "bash".into(), r#"{"command":"ls -la"}"#);
        assert_eq!(bash.target.as_deref(), Some("ls -la"));
        // Same hash as Claude's for the same input: `{"command":"ls"}`.
        let ls = tool_call("c3".into(), "bash".into(), r#"{"command":"ls"}"#);
        assert_eq!(ls.args_hash, "4cf29611a6693486");
        let a = tool_call("c".into(), "x".into(), r#"{"b":1,"a":2}"#);
        let b = tool_call("c".into(), "x".into(), r#"{"a":2,"b":1}"#);
        assert_eq!(a.args_hash, b.args_hash);
        assert_eq!(
            tool_call("c".into(), "x".into(), "[1]").args_hash,
            "44136fa355b3678a"
        );
    }
}
