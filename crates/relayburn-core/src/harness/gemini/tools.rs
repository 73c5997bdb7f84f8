//! Gemini CLI and Qwen Code tool names (both are Gemini CLI's tool set) → primary targets.

/// The file, command, pattern or URL a call is about.
pub(crate) fn target_of(name: &str, args: &serde_json::Value) -> Option<String> {
    let get = |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
    match name {
        "read_file" | "write_file" | "replace" | "edit" | "list_directory" => {
            first(&["file_path", "absolute_path", "path", "dir_path"])
        }
        "run_shell_command" => get("command"),
        "glob" | "search_file_content" | "grep_search" | "grep" => get("pattern"),
        "web_fetch" => first(&["url", "prompt"]),
        "google_web_search" | "web_search" => get("query"),
        _ => first(&["file_path", "absolute_path", "path", "command", "url"]),
    }
}
