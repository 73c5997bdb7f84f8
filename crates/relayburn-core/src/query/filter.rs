//! Turn filters shared by queries: a time window and equality filters, compiled to a SQL
//! `WHERE` clause over `turns` with bound parameters (never string-interpolated values).

use crate::error::Result;
use crate::harness::Harness;
use crate::time;
use rusqlite::types::Value;

#[derive(Debug, Clone, Default)]
pub struct TurnFilter {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub session: Option<String>,
    pub model: Option<String>,
    pub project: Option<String>,
}

pub(crate) struct Compiled {
    pub sql: String,
    pub params: Vec<Value>,
}

impl TurnFilter {
    /// `WHERE …` over columns of `turns` (prefixed by `alias.`).
    pub(crate) fn compile(&self, alias: &str) -> Result<Compiled> {
        let now = time::now_ms();
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        if let Some(s) = &self.since {
            clauses.push(format!("{alias}.ts_ms >= ?"));
            params.push(Value::Integer(time::parse_bound_ms("since", s, now)?));
        }
        if let Some(u) = &self.until {
            clauses.push(format!("{alias}.ts_ms < ?"));
            params.push(Value::Integer(time::parse_bound_ms("until", u, now)?));
        }
        if let Some(h) = &self.harness {
            Harness::parse("harness", h)?;
            clauses.push(format!("{alias}.harness = ?"));
            params.push(Value::Text(h.clone()));
        }
        for (col, v, field) in [
            ("session_id", &self.session, "session"),
            ("model", &self.model, "model"),
            ("project", &self.project, "project"),
        ] {
            if let Some(v) = v {
                crate::validate::selector(field, v)?;
                clauses.push(format!("{alias}.{col} = ?"));
                params.push(Value::Text(v.clone()));
            }
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        Ok(Compiled { sql, params })
    }
}
