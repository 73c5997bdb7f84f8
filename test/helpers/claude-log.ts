// Hand-written Claude Code log rows (the row shapes the Claude Code reader reads), and a
// store layout to put them in. Each builder returns one JSONL line, newline included.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from './home.js';

export interface Usage {
  input?: number;
  output: number;
  cacheRead?: number;
  cache5m?: number;
  cache1h?: number;
}

export interface AssistantRow {
  session: string;
  msg: string;
  req: string;
  usage: Usage;
  /** `null` while the response is still streaming. */
  stop?: string | null;
  model?: string;
  ts?: string;
  content?: unknown[];
  cwd?: string;
}

export function assistant(a: AssistantRow): string {
  const u = a.usage;
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: a.session,
    cwd: a.cwd ?? '/work/app',
    gitBranch: 'main',
    timestamp: a.ts ?? '2026-03-01T10:00:00.000Z',
    requestId: a.req,
    uuid: `${a.msg}-${u.output}-${Math.random().toString(36).slice(2)}`,
    message: {
      id: a.msg,
      role: 'assistant',
      model: a.model ?? 'claude-sonnet-4-5-20250929',
      stop_reason: a.stop === undefined ? 'end_turn' : a.stop,
      content: a.content ?? [{ type: 'text', text: 'done' }],
      usage: {
        input_tokens: u.input ?? 0,
        output_tokens: u.output,
        cache_read_input_tokens: u.cacheRead ?? 0,
        cache_creation_input_tokens: (u.cache5m ?? 0) + (u.cache1h ?? 0),
        cache_creation: {
          ephemeral_5m_input_tokens: u.cache5m ?? 0,
          ephemeral_1h_input_tokens: u.cache1h ?? 0,
        },
      },
    },
  })}\n`;
}

export function userText(session: string, uuid: string, text: string, ts?: string): string {
  return `${JSON.stringify({
    type: 'user',
    sessionId: session,
    cwd: '/work/app',
    timestamp: ts ?? '2026-03-01T09:59:59.000Z',
    uuid,
    message: { role: 'user', content: text },
  })}\n`;
}

export function toolResult(session: string, uuid: string, toolUseId: string, body: string): string {
  return `${JSON.stringify({
    type: 'user',
    sessionId: session,
    timestamp: '2026-03-01T10:00:01.000Z',
    uuid,
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUseId, content: body }],
    },
  })}\n`;
}

export function compactBoundary(session: string, uuid: string, preTokens: number): string {
  return `${JSON.stringify({
    type: 'system',
    subtype: 'compact_boundary',
    sessionId: session,
    timestamp: '2026-03-01T10:05:00.000Z',
    uuid,
    compactMetadata: { trigger: 'auto', preTokens },
  })}\n`;
}

/** A temp Claude store (`<root>/projects/<slug>/`) and paths inside it. */
export function claudeStore(slug = '-work-app'): {
  root: string;
  dir: string;
  file: (session: string) => string;
  write: (session: string, ...rows: string[]) => string;
} {
  const root = tempHome('claude');
  const dir = join(root, 'projects', slug);
  mkdirSync(dir, { recursive: true });
  const file = (session: string) => join(dir, `${session}.jsonl`);
  return {
    root,
    dir,
    file,
    write: (session, ...rows) => {
      writeFileSync(file(session), rows.join(''));
      return file(session);
    },
  };
}

/**
 * A `type:"progress"` row of a parent session embedding one row of a running subagent, as newer
 * Claude Code writes them (shape learned from marot/spotter's real transcripts:
 * `data.type = "agent_progress"`, `data.agentId`, `data.message` = the subagent's row).
 */
export function agentProgress(session: string, agentId: string | null, row: string): string {
  const inner = JSON.parse(row) as Record<string, unknown>;
  return `${JSON.stringify({
    type: 'progress',
    sessionId: session,
    cwd: '/work/app',
    timestamp: inner.timestamp,
    uuid: `progress-${Math.random().toString(36).slice(2)}`,
    data: {
      message: {
        type: inner.type,
        timestamp: inner.timestamp,
        message: inner.message,
        requestId: inner.requestId,
        uuid: inner.uuid,
      },
      type: 'agent_progress',
      ...(agentId ? { agentId } : {}),
    },
    toolUseID: 'agent_msg_1',
  })}\n`;
}
