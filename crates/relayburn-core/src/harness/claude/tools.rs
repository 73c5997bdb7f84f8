//! Claude tool calls: the primary target per tool and the `argsHash` of the input.

use crate::stable_json::Args;
use crate::vocab::records::ToolCall;

/// Builds a tool call from a `tool_use` block. `input` is the raw JSON of its input.
pub(super) fn tool_call(id: String, name: String, input: &str) -> ToolCall {
    // Read without building a tree of values: a written file's content is hashed in place.
    let args = Args::parse(input);
    ToolCall {
        args_hash: args.hash().to_string(),
        target: target_of(&name, &args),
        id,
        name,
    }
}

fn target_of(name: &str, input: &Args<'_>) -> Option<String> {
    let get = |k: &str| input.str(k);
    match name {
        "Read" | "Edit" | "Write" | "NotebookEdit" | "MultiEdit" => get("file_path"),
        "Bash" => get("command"),
        "Grep" | "Glob" => get("pattern"),
        "WebFetch" => get("url"),
        "WebSearch" => get("query"),
        "Agent" | "Task" => get("subagent_type").or_else(|| get("description")),
        _ => ["file_path", "path", "url", "command"]
            .iter()
            .find_map(|k| get(k)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_hash_is_over_sorted_keys() {
        let a = tool_call("t".into(), "Bash".into(), r#"{"command":"ls"}"#);
        assert_eq!(a.args_hash, "4cf29611a6693486");
        assert_eq!(a.target.as_deref(), Some("ls"));
        let b = tool_call("t".into(), "X".into(), r#"{"b":1,"a":{"d":2,"c":3}}"#);
        let c = tool_call("t".into(), "X".into(), r#"{"a":{"c":3,"d":2},"b":1}"#);
        assert_eq!(b.args_hash, c.args_hash);
        let read = tool_call("t".into(), "Read".into(), r#"{"file_path":"/src/a.ts"}"#);
        assert_eq!(read.args_hash, "8bdf173e0d60f93b");
        assert_eq!(
            tool_call("t".into(), "X".into(), "null").args_hash,
            "44136fa355b3678a"
        );
    }
}
