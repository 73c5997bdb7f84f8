// Seeded Gemini CLI, Qwen Code and Pi stores for the mixed corpus, with the exact totals a
// correct ingest must report. Shapes as each harness writes them: Gemini CLI
// (google-gemini/gemini-cli packages/core/src/services/chatRecordingService.ts: a header, a
// message appended again when its tokens and tool calls arrive, `$set` updates and checkpoints,
// `$rewindTo`, legacy `session-*.json` continued in a `.jsonl`, subagent chats under
// `chats/<parent>/`), Qwen Code (QwenLM/qwen-code packages/core/src/services/
// chatRecordingService.ts: `ChatRecord` rows, `ui_telemetry` repeating usage, `/branch` copies
// with `forkedFrom`) and Pi (badlogic/pi-mono packages/coding-agent/src/core/session-manager.ts:
// an entry tree with abandoned branches, branched files copying the path with `parentSession`).
// Token model: input = prompt − cached (+ tool), output = candidates + thoughts (Qwen's
// OpenAI-compatible thoughts are inside the candidates), reasoning = thoughts.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEX = '0123456789abcdef';
const iso = (ms) => new Date(ms).toISOString();

/** Writes `gemini/`, `qwen/` and `pi/` under `out`; adds to `tally` (see `harness`, `files`). */
export function generateMoreHarnesses({ out, r, sessions, baseMs, oldMs, tally }) {
  const uuid = () => {
    const h = r.chars(HEX, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const write = (path, lines) => {
    mkdirSync(join(path, '..'), { recursive: true });
    const text = typeof lines === 'string' ? lines : `${lines.join('\n')}\n`;
    writeFileSync(path, text);
    utimesSync(path, oldMs / 1000, oldMs / 1000);
    return text.length;
  };
  const count = (h, sessionId, u) => {
    tally.add(h, sessionId, u);
  };

  // Gemini CLI ---------------------------------------------------------------------------
  const gemDir = join(out, 'gemini', 'tmp', 'corpus-project');
  mkdirSync(join(gemDir, 'chats'), { recursive: true });
  writeFileSync(join(gemDir, '.project_root'), '/work/corpus');
  const files = { 'gemini-cli': 0, 'qwen-code': 0, pi: 0 };
  const bytes = { 'gemini-cli': 0, 'qwen-code': 0, pi: 0 };
  const gemSessions = [];
  for (let s = 0; s < sessions; s++) {
    const sid = uuid();
    gemSessions.push(sid);
    let ms = baseMs + s * 3_600_000;
    const header = (id, extra = {}) =>
      JSON.stringify({
        sessionId: id,
        projectHash: 'c0ffee',
        startTime: iso(ms),
        lastUpdated: iso(ms),
        ...extra,
      });
    const msgs = [];
    const lines = [header(sid)];
    const calls = r.int(2, 8);
    for (let c = 0; c < calls; c++) {
      ms += 1000;
      const user = { id: uuid(), timestamp: iso(ms), type: 'user', content: [{ text: `step ${c}` }] };
      lines.push(JSON.stringify(user));
      msgs.push(user);
      const prompt = r.int(1000, 40000);
      const cached = r.int(0, prompt);
      const out = r.int(10, 2000);
      const thoughts = r.chance(0.5) ? r.int(1, 500) : 0;
      const tool = r.chance(0.2) ? r.int(1, 50) : 0;
      const tokens = {
        input: prompt,
        output: out,
        cached,
        thoughts,
        tool,
        total: prompt + out + thoughts + tool,
      };
      const id = uuid();
      const model = r.chance(0.1) && c > 0 ? undefined : r.pick(['gemini-2.5-pro', 'gemini-2.5-flash']);
      const base = { id, timestamp: iso(ms + 1), type: 'gemini', content: '', thoughts: [] };
      lines.push(JSON.stringify({ ...base, tokens: null, model }));
      lines.push(JSON.stringify({ $set: { lastUpdated: iso(ms + 2) } }));
      const full = { ...base, tokens, model };
      lines.push(JSON.stringify(full));
      if (r.chance(0.5)) {
        const call = {
          id: `c${c}`,
          name: 'read_file',
          args: { file_path: `/work/f${c}` },
          status: 'success',
          timestamp: iso(ms + 3),
        };
        lines.push(JSON.stringify({ ...full, toolCalls: [call] }));
      }
      msgs.push(full);
      count('gemini-cli', sid, {
        input: prompt - cached + tool,
        cacheRead: cached,
        output: out + thoughts,
        reasoning: thoughts,
      });
      if (c === 1 && r.chance(0.5)) lines.push(JSON.stringify({ $rewindTo: user.id }));
    }
    if (r.chance(0.3)) lines.push(JSON.stringify({ $set: { messages: msgs } }));
    const stem = `session-${iso(baseMs + s * 3_600_000)
      .slice(0, 16)
      .replace(/:/g, '-')}-${sid.slice(0, 8)}`;
    if (s % 5 === 1) {
      // A legacy document, resumed: migrated whole into a `.jsonl` that goes on.
      bytes['gemini-cli'] += write(
        join(gemDir, 'chats', `${stem}.json`),
        `${JSON.stringify({ sessionId: sid, projectHash: 'c0ffee', startTime: iso(ms), lastUpdated: iso(ms), messages: msgs }, null, 2)}\n`,
      );
      files['gemini-cli'] += 1;
    }
    bytes['gemini-cli'] += write(join(gemDir, 'chats', `${stem}.jsonl`), lines);
    files['gemini-cli'] += 1;
    if (s % 4 === 2) {
      const sub = uuid();
      const prompt = r.int(500, 5000);
      const u = { input: prompt, output: 100, cached: 0, thoughts: 0, tool: 0, total: prompt + 100 };
      bytes['gemini-cli'] += write(join(gemDir, 'chats', sid, `${sub}.jsonl`), [
        header(sub, { kind: 'subagent', directories: ['/work/corpus'] }),
        JSON.stringify({
          id: uuid(),
          timestamp: iso(ms + 5000),
          type: 'gemini',
          content: '',
          tokens: u,
          model: 'gemini-2.5-flash',
        }),
      ]);
      files['gemini-cli'] += 1;
      count('gemini-cli', sub, { input: prompt, cacheRead: 0, output: 100, reasoning: 0 });
    }
  }

  // Qwen Code ----------------------------------------------------------------------------
  const qwenChats = join(out, 'qwen', 'projects', '-work-corpus', 'chats');
  for (let s = 0; s < sessions; s++) {
    const sid = uuid();
    let ms = baseMs + s * 3_600_000;
    const base = (uuidv, type, extra) => ({
      uuid: uuidv,
      parentUuid: null,
      sessionId: sid,
      timestamp: iso(ms),
      type,
      cwd: '/work/corpus',
      version: '0.14.2',
      gitBranch: 'main',
      ...extra,
    });
    const lines = [];
    const assistants = [];
    for (let c = 0; c < r.int(2, 8); c++) {
      ms += 1000;
      lines.push(
        JSON.stringify(base(uuid(), 'user', { message: { role: 'user', parts: [{ text: `task ${c}` }] } })),
      );
      const prompt = r.int(1000, 30000);
      const cached = r.int(0, prompt);
      const cand = r.int(10, 2000);
      const thoughts = r.chance(0.4) ? r.int(1, cand) : 0;
      const usageMetadata = {
        promptTokenCount: prompt,
        candidatesTokenCount: cand,
        cachedContentTokenCount: cached,
        thoughtsTokenCount: thoughts,
        totalTokenCount: prompt + cand,
      };
      const a = base(uuid(), 'assistant', {
        model: 'qwen3-coder-plus',
        message: { role: 'model', parts: [{ text: 'ok' }] },
        usageMetadata,
      });
      lines.push(JSON.stringify(a));
      assistants.push(a);
      lines.push(
        JSON.stringify(
          base(uuid(), 'system', {
            subtype: 'ui_telemetry',
            systemPayload: { uiEvent: { 'event.name': 'qwen-code.api_response', input_token_count: prompt } },
          }),
        ),
      );
      count('qwen-code', sid, {
        input: prompt - cached,
        cacheRead: cached,
        output: cand,
        reasoning: thoughts,
      });
    }
    bytes['qwen-code'] += write(join(qwenChats, `${sid}.jsonl`), lines);
    files['qwen-code'] += 1;
    if (s % 4 === 3) {
      // `/branch`: every record copied with `forkedFrom`, then the branch's own call.
      const fork = uuid();
      const copied = assistants.map((a) =>
        JSON.stringify({ ...a, sessionId: fork, forkedFrom: { sessionId: sid, messageUuid: a.uuid } }),
      );
      const own = { ...assistants[0], uuid: uuid(), sessionId: fork, timestamp: iso(ms + 60_000) };
      bytes['qwen-code'] += write(join(qwenChats, `${fork}.jsonl`), [...copied, JSON.stringify(own)]);
      files['qwen-code'] += 1;
      const m = own.usageMetadata;
      const thoughtsInside = m.thoughtsTokenCount > 0;
      count('qwen-code', fork, {
        input: m.promptTokenCount - m.cachedContentTokenCount,
        cacheRead: m.cachedContentTokenCount,
        output: m.candidatesTokenCount,
        reasoning: thoughtsInside ? m.thoughtsTokenCount : 0,
      });
    }
  }

  // Pi -----------------------------------------------------------------------------------
  const piDir = join(out, 'pi', 'sessions', '--work-corpus--');
  for (let s = 0; s < sessions; s++) {
    const sid = uuid();
    let ms = baseMs + s * 3_600_000;
    const fname = (t, id) => `${iso(t).replace(/[:.]/g, '-')}_${id}.jsonl`;
    const path = join(piDir, fname(ms, sid));
    const lines = [
      JSON.stringify({ type: 'session', version: 3, id: sid, timestamp: iso(ms), cwd: '/work/corpus' }),
    ];
    const path2 = [];
    let parent = null;
    let n = 0;
    const eid = () => `${r.chars(HEX, 7)}${n++ % 10}`;
    for (let c = 0; c < r.int(2, 8); c++) {
      ms += 1000;
      const uid = eid();
      const user = {
        type: 'message',
        id: uid,
        parentId: parent,
        timestamp: iso(ms),
        message: { role: 'user', content: `go ${c}`, timestamp: ms },
      };
      const u = {
        input: r.int(1, 500),
        output: r.int(10, 3000),
        cacheRead: r.int(0, 60000),
        cacheWrite: r.int(0, 5000),
      };
      const aid = eid();
      const asst = {
        type: 'message',
        id: aid,
        parentId: uid,
        timestamp: iso(ms + 500),
        message: {
          role: 'assistant',
          content: [{ type: 'text', text: 'done' }],
          api: 'anthropic-messages',
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          usage: {
            ...u,
            totalTokens: u.input + u.output + u.cacheRead + u.cacheWrite,
            cost: { total: 0.01 },
          },
          stopReason: 'stop',
          timestamp: ms + 500,
        },
      };
      lines.push(JSON.stringify(user), JSON.stringify(asst));
      path2.push(JSON.stringify(user), JSON.stringify(asst));
      count('pi', sid, {
        input: u.input,
        output: u.output,
        cacheRead: u.cacheRead,
        cacheWrite5m: u.cacheWrite,
        reasoning: 0,
      });
      // Now and then the user goes back one step: the next entry hangs under the older user.
      parent = r.chance(0.2) ? user.parentId : aid;
    }
    bytes.pi += write(path, lines);
    files.pi += 1;
    if (s % 4 === 1) {
      const b = uuid();
      const at = ms + 60_000;
      const u = { input: 7, output: 70, cacheRead: 700, cacheWrite: 0 };
      const own = {
        type: 'message',
        id: 'ffffffff',
        parentId: null,
        timestamp: iso(at + 1000),
        message: {
          role: 'assistant',
          content: [],
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          usage: { ...u, totalTokens: 777 },
          timestamp: at + 1000,
        },
      };
      bytes.pi += write(join(piDir, fname(at, b)), [
        JSON.stringify({
          type: 'session',
          version: 3,
          id: b,
          timestamp: iso(at),
          cwd: '/work/corpus',
          parentSession: path,
        }),
        ...path2,
        JSON.stringify(own),
      ]);
      files.pi += 1;
      count('pi', b, { input: 7, output: 70, cacheRead: 700, cacheWrite5m: 0, reasoning: 0 });
    }
  }
  return { files, bytes };
}
