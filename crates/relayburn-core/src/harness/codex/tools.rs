//! Codex tool calls: the primary target per tool and the `argsHash` over key-sorted JSON.

use crate::hash::short_hex;
use crate::vocab::records::ToolCall;
use serde_json::Value;

/// A `function_call`: `arguments` is a JSON string holding the arguments object.
pub(super) fn function_call(id: String, name: String, arguments: Option<&str>) -> ToolCall {
    let args = arguments
        .and_then(|raw| match serde_json::from_str::<Value>(raw) {
            // Normally a string containing JSON; tolerate an inline object too.
            Ok(Value::String(s)) => serde_json::from_str::<Value>(&s).ok(),
            Ok(v) => Some(v),
            Err(_) => None,
        })
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Default::default()));
    let target = target_of(&name, &args);
    call(id, name, &args, target)
}

/// A `custom_tool_call` (`apply_patch`, …): `input` is free text, hashed as `{"input": …}`.
pub(super) fn custom_call(id: String, name: String, input: Option<&str>) -> ToolCall {
    let text = input
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .unwrap_or(Value::Null);
    let target = match &text {
        Value::String(s) if name == "apply_patch" => patch_target(s),
        _ => None,
    };
    let args = serde_json::json!({ "input": text });
    call(id, name, &args, target)
}

/// A `local_shell_call`: `action.command` is an argv array.
pub(super) fn local_shell_call(id: String, action: Option<&str>) -> ToolCall {
    let action = action
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .unwrap_or(Value::Null);
    let target = action.get("command").and_then(command_text);
    call(id, "local_shell".into(), &action, target)
}

fn call(id: String, name: String, args: &Value, target: Option<String>) -> ToolCall {
    // serde_json's default map is a BTreeMap: serializing sorts keys at every depth.
    let stable = match args {
        Value::Null => "{}".to_string(),
        v => v.to_string(),
    };
    ToolCall {
        args_hash: short_hex(stable.as_bytes()),
        id,
        name,
        target,
    }
}

fn target_of(name: &str, args: &Value) -> Option<String> {
    let get = |k: &str| args.get(k).and_then(command_text);
    match name {
        "exec_command" | "shell" | "container.exec" | "local_shell" => {
            get("cmd").or_else(|| get("command"))
        }
        "read_file" | "write_file" | "view_image" => get("path").or_else(|| get("file_path")),
        "apply_patch" => args
            .get("input")
            .and_then(Value::as_str)
            .and_then(patch_target),
        _ => ["path", "file_path", "cmd", "command", "url", "query"]
            .iter()
            .find_map(|k| get(k)),
    }
}

/// A command as text: a string, or an argv array (`["bash", "-lc", "ls"]` → `ls`).
fn command_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let argv: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if argv.len() != items.len() || argv.is_empty() {
                return None;
            }
            match argv.as_slice() {
                [.., flag, script] if matches!(*flag, "-c" | "-lc") => Some(script.to_string()),
                _ => Some(argv.join(" ")),
            }
        }
        _ => None,
    }
}

/// The first file an `apply_patch` body touches.
fn patch_target(patch: &str) -> Option<String> {
    patch.lines().find_map(|line| {
        ["*** Update File: ", "*** Add File: ", "*** Delete File: "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_hashes() {
        let exec = function_call(
            "c1".into(),
            "exec_command".into(),
            Some(r#""{\"workdir\":\"/tmp/project\",\"cmd\":\"git status\"}""#),
        );
        assert_eq!(exec.target.as_deref(), Some("git status"));
        // The shared `argsHash` test vector: sorted `{"cmd":"git status","workdir":"/tmp/project"}`.
        assert_eq!(exec.args_hash, "f358a830b359499c");
        let shell = function_call(
            "c2".into(),
            "shell".into(),
            Some(r#""{\"command\":[\"bash\",\"-lc\",\"ls -la\"]}""#),
        );
        assert_eq!(shell.target.as_deref(), Some("ls -la"));
        let patch = custom_call(
            "c3".into(),
            "apply_patch".into(),
            Some(r#""*** Begin Patch\n*** Add File: /p/NEW.md\n+hi\n*** End Patch""#),
        );
        assert_eq!(patch.target.as_deref(), Some("/p/NEW.md"));
        let bad = function_call("c4".into(), "x".into(), Some(r#""not json""#));
        assert_eq!(bad.args_hash, "44136fa355b3678a", "hash of {{}}");
        assert_eq!(bad.target, None);
    }
}
