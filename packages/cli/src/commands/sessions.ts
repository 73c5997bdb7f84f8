import { type ContentMessage, type Harness, type SessionRow, session, sessions } from '@relayburn/sdk';
import { bool, type Command, list, str } from '../command.js';
import { clip, formatCount, formatUsd, type Output, printFields, printJson, visible } from '../output.js';
import { renderTable } from '../table.js';
import { teamGet, teamTarget } from '../team.js';
import { parseTagFlags, UsageError } from '../usage.js';
import { chooseZone, withZone, ZONE_FLAGS, ZONE_HELP, type ZoneChoice } from '../zone.js';

const sessionsHelp = `Usage: burn sessions [--since <t>] [--until <t>] [--harness <h>] [--project <dir>] [--tag k=v]... [--limit <n>] [--flat] [--json]

Session trees with activity in the window, newest first (default 50): each root session
with its subagents, forks and continuations indented under it (├─, └─). Every line shows
that session's own turns, tokens and cost; TREE COST is the whole tree's.
A tree is listed when any of its sessions matches the filters.
--tag k=v (repeatable) and --tags k=v[,k=v] keep sessions whose folded tags match (a
subagent carries its parent's stamps unless it has its own).
--flat lists every session on its own line, with its own cost.
--since/--until take the same forms as in 'burn summary' (dates and today, yesterday,
this-week, this-month are your local ones):
${ZONE_HELP}
--server <url> --token <t> (else $RELAYBURN_TOKEN) list a team server's sessions instead.

Examples:
  burn sessions --since 24h
  burn sessions --since today
  burn sessions --tags spawner=pear --limit 10
  burn sessions --flat --limit 10 --json`;

const sessionHelp = `Usage: burn session <id> [--content] [--json]

One session in detail: totals (with its descendants, and its own), its tree of subagents,
forks and continuations, and its turns with their tool calls.
--content also prints the stored conversation (user and assistant text, thinking, tool
inputs and results) in order, from the content store.

Examples:
  burn session 3f2a9c1e-7d4b-4e8a-9c1f-2b7d4e8a9c1f
  burn session 3f2a9c1e-7d4b-4e8a-9c1f-2b7d4e8a9c1f --content
  burn session 3f2a9c1e-7d4b-4e8a-9c1f-2b7d4e8a9c1f --json`;

export const sessionsCommand: Command = {
  name: 'sessions',
  summary: 'sessions with their cost and tags, newest first',
  help: sessionsHelp,
  flags: {
    since: { type: 'string' },
    until: { type: 'string' },
    harness: { type: 'string' },
    project: { type: 'string' },
    limit: { type: 'string' },
    tag: { type: 'string', multiple: true },
    tags: { type: 'string', multiple: true },
    ...ZONE_FLAGS,
    flat: { type: 'boolean' },
    server: { type: 'string' },
    token: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`sessions takes no arguments, got '${ctx.args[0]}'`);
    await runSessions(
      {
        since: str(ctx, 'since'),
        until: str(ctx, 'until'),
        harness: str(ctx, 'harness'),
        project: str(ctx, 'project'),
        limit: str(ctx, 'limit'),
        tag: list(ctx, 'tag'),
        tags: list(ctx, 'tags'),
        zone: chooseZone(ctx),
        flat: bool(ctx, 'flat'),
        ledgerHome: ctx.ledgerHome,
        server: str(ctx, 'server'),
        token: str(ctx, 'token'),
      },
      ctx.out,
    );
    return 0;
  },
};

export const sessionCommand: Command = {
  name: 'session',
  summary: 'one session in detail: turns, tools, children',
  help: sessionHelp,
  flags: { content: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length > 1) throw new UsageError(`session takes one id, got ${ctx.args.length}`);
    return (await runSession(ctx.args[0], ctx.ledgerHome, ctx.out, bool(ctx, 'content'))) ? 0 : 1;
  },
};

export interface SessionsArgs {
  since?: string | undefined;
  until?: string | undefined;
  harness?: string | undefined;
  project?: string | undefined;
  limit?: string | undefined;
  tag?: string[] | undefined;
  tags?: string[] | undefined;
  zone: ZoneChoice;
  flat?: boolean | undefined;
  ledgerHome?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
}

export async function runSessions(a: SessionsArgs, out: Output): Promise<void> {
  let limit: number | undefined;
  if (a.limit !== undefined) {
    limit = /^\d+$/.test(a.limit) ? Number(a.limit) : Number.NaN;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a positive integer, got '${a.limit}'`);
  }
  const team = teamTarget(a.server, a.token);
  const rows = await withZone(a.zone, () =>
    team
      ? teamGet<SessionRow[]>(team, '/v1/sessions', {
          since: a.since,
          until: a.until,
          harness: a.harness,
          project: a.project,
          tags: parseTagFlags(a.tag, a.tags),
          limit,
          ...(a.flat ? { flat: true } : {}),
          timezone: a.zone.timezone,
          weekStart: a.zone.weekStart,
        })
      : sessions({
          since: a.since,
          until: a.until,
          harness: a.harness as Harness | undefined,
          project: a.project,
          tags: parseTagFlags(a.tag, a.tags),
          limit,
          ...(a.flat ? { flat: true } : {}),
          timezone: a.zone.timezone,
          weekStart: a.zone.weekStart,
          ledgerHome: a.ledgerHome,
        }),
  );
  if (out.json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no sessions (run `burn ingest` first)\n');
    return;
  }
  if (a.flat) {
    process.stdout.write(
      `${renderTable(rows, [
        { header: 'LAST ACTIVITY', value: (r) => (r.lastTs ?? '').replace('T', ' ').slice(0, 16) },
        { header: 'SESSION', value: (r) => clip(r.sessionId, 40) },
        { header: 'HARNESS', value: (r) => r.harness },
        { header: 'TURNS', value: (r) => formatCount(r.turns), align: 'right' },
        { header: 'TOKENS', value: (r) => formatCount(r.totalTokens), align: 'right' },
        { header: 'COST', value: (r) => formatUsd(r.costUsd), align: 'right' },
        { header: 'TAGS', value: (r) => clip(formatTags(r.tags), 40) },
        { header: 'TITLE', value: (r) => clip(r.title ?? '', 50) },
      ])}\n`,
    );
    return;
  }
  process.stdout.write(`${renderTree(rows.flatMap(treeLines))}\n`);
}

/** One printed line of a session tree: the row (own totals) and its drawn prefix. */
interface TreeLine {
  row: SessionRow;
  prefix: string;
  /** The tree's row (root line) — its totals are the tree's. */
  tree?: SessionRow;
}

/** A tree row and its descendants as lines, children under their parent with ├─ / └─. */
export function treeLines(root: SessionRow): TreeLine[] {
  const children = new Map<string, SessionRow[]>();
  for (const d of root.descendants) {
    const parent = d.parentSessionId ?? root.sessionId;
    const list = children.get(parent) ?? [];
    list.push(d);
    children.set(parent, list);
  }
  const lines: TreeLine[] = [{ row: root, prefix: '', tree: root }];
  const walk = (id: string, indent: string, depth: number) => {
    const kids = children.get(id) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      lines.push({ row: k, prefix: `${indent}${last ? '└─ ' : '├─ '}` });
      // Trees are acyclic; the depth bound only guards against a malformed row.
      if (depth < 1000) walk(k.sessionId, `${indent}${last ? '   ' : '│  '}`, depth + 1);
    });
  };
  walk(root.sessionId, '', 0);
  return lines;
}

/** A child named after its parent (`<parent>/agent-…`) is shown by what follows: `…/agent-…`. */
function shortId(row: SessionRow): string {
  const parent = row.parentSessionId;
  return parent && row.sessionId.startsWith(`${parent}/`)
    ? `…${row.sessionId.slice(parent.length)}`
    : row.sessionId;
}

function renderTree(lines: TreeLine[]): string {
  return renderTable(lines, [
    {
      header: 'LAST ACTIVITY',
      value: (l) => (l.tree ? (l.row.lastTs ?? '').replace('T', ' ').slice(0, 16) : ''),
    },
    { header: 'SESSION', value: (l) => `${l.prefix}${clip(shortId(l.row), 40)}` },
    { header: 'HARNESS', value: (l) => l.row.harness },
    { header: 'KIND', value: (l) => (l.tree ? '' : l.row.relationship) },
    { header: 'TURNS', value: (l) => formatCount(l.row.own.turns), align: 'right' },
    { header: 'TOKENS', value: (l) => formatCount(l.row.own.totalTokens), align: 'right' },
    { header: 'COST', value: (l) => formatUsd(l.row.own.costUsd), align: 'right' },
    { header: 'TREE COST', value: (l) => (l.tree ? formatUsd(l.tree.costUsd) : ''), align: 'right' },
    { header: 'TAGS', value: (l) => clip(formatTags(l.row.tags), 40) },
    { header: 'TITLE', value: (l) => clip(l.row.title ?? '', 50) },
  ]);
}

export async function runSession(
  id: string | undefined,
  ledgerHome: string | undefined,
  out: Output,
  includeContent = false,
): Promise<boolean> {
  if (id === undefined) throw new UsageError('session needs a session id');
  const d = await session({ sessionId: id, ledgerHome, ...(includeContent ? { includeContent } : {}) });
  if (out.json) {
    printJson(d);
    return d !== null;
  }
  if (!d) {
    process.stderr.write(`burn: no session '${visible(id)}' in the ledger (run \`burn ingest\` first?)\n`);
    return false;
  }
  printSessionHeader(d.session);
  if (d.session.descendants.length > 0) {
    process.stdout.write(`\n${renderTree(treeLines(d.session))}\n`);
  }
  process.stdout.write('\n');
  process.stdout.write(
    `${renderTable(d.turns, [
      { header: 'TS', value: (t) => t.ts.replace('T', ' ').slice(0, 19) },
      { header: 'MODEL', value: (t) => t.model },
      { header: 'INPUT', value: (t) => formatCount(t.inputTokens), align: 'right' },
      { header: 'OUTPUT', value: (t) => formatCount(t.outputTokens), align: 'right' },
      { header: 'CACHE READ', value: (t) => formatCount(t.cacheReadTokens), align: 'right' },
      {
        header: 'CACHE WRITE',
        value: (t) => formatCount(t.cacheWrite5mTokens + t.cacheWrite1hTokens),
        align: 'right',
      },
      { header: 'COST', value: (t) => formatUsd(t.costUsd), align: 'right' },
      { header: 'TOOLS', value: (t) => clip(t.toolCalls.map((c) => c.name).join(' '), 40) },
    ])}\n`,
  );
  if (d.content) printContent(d.content);
  return true;
}

/** The stored conversation, one header line per message and its blocks indented. */
function printContent(messages: ContentMessage[]): void {
  process.stdout.write('\n');
  if (messages.length === 0) {
    process.stdout.write('no stored content (content store off, pruned, or not yet ingested)\n');
    return;
  }
  for (const m of messages) {
    process.stdout.write(`── ${m.role} ${m.ts.replace('T', ' ').slice(0, 19)}\n`);
    for (const b of m.blocks) {
      const label = [b.kind, b.toolName, b.toolUseId && `(${b.toolUseId})`, b.isError && 'error']
        .filter(Boolean)
        .join(' ');
      const body = b.text ?? `[${formatCount(b.bytes)} bytes, sha256 ${b.hash}]`;
      process.stdout.write(`  [${visible(label)}]\n${indent(body)}\n`);
    }
  }
}

/** Indents stored text, each line made visible (tabs kept as spaces). */
function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${visible(line.replaceAll('\t', '    '))}`)
    .join('\n');
}

function printSessionHeader(s: SessionRow): void {
  printFields([
    ['session', `${s.sessionId} (${s.harness})`],
    ['title', s.title ?? ''],
    ['project', [s.project, s.branch && `(${s.branch})`].filter(Boolean).join(' ')],
    ['when', `${s.firstTs ?? '?'} → ${s.lastTs ?? '?'}`],
    ['relationship', s.parentSessionId ? `${s.relationship} of ${s.parentSessionId}` : s.relationship],
    ['models', s.models.join(', ')],
    ['turns', formatCount(s.own.turns)],
    [
      'tokens',
      `${formatCount(s.own.totalTokens)} (in ${formatCount(s.own.inputTokens)}, out ${formatCount(s.own.outputTokens)}, cache read ${formatCount(s.own.cacheReadTokens)})`,
    ],
    ['cost', formatUsd(s.own.costUsd)],
    ...(s.descendantCount > 0
      ? ([
          [
            'with subtree',
            `${formatUsd(s.costUsd)}, ${formatCount(s.turns)} turns, ${formatCount(s.totalTokens)} tokens (${formatCount(s.descendantCount)} session${s.descendantCount === 1 ? '' : 's'} below)`,
          ],
        ] as Array<[string, string]>)
      : []),
    ['tags', formatTags(s.tags)],
  ]);
}

function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
