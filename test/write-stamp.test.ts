import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { entryPoints } from './helpers/sdk.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(entryPoints)('writeStamp via %s', (_name, sdk) => {
  it('stores a stamp and lists it back', async () => {
    const ledgerHome = tempHome();
    const before = Date.now();
    const receipt = await sdk.writeStamp({
      sessionId: 'sess-1',
      enrichment: { spawner: 'pear', persona: 'reviewer' },
      ledgerHome,
    });
    expect(receipt.id).toMatch(/^[0-9a-f]{16}$/);
    expect(receipt.ts).toMatch(ISO_MS);
    expect(Date.parse(receipt.ts)).toBeGreaterThanOrEqual(before - 1);
    const listed = await sdk.stamps({ ledgerHome });
    expect(listed).toEqual([
      {
        id: receipt.id,
        sessionId: 'sess-1',
        enrichment: { spawner: 'pear', persona: 'reviewer' },
        ts: receipt.ts,
        seq: 1,
      },
    ]);
    expect((await sdk.status({ ledgerHome })).stamps).toBe(1);
  });

  it('normalizes ts with an offset to UTC milliseconds', async () => {
    const ledgerHome = tempHome();
    const r = await sdk.writeStamp({
      messageId: 'msg_1',
      enrichment: { k: 'v' },
      ts: '2026-05-21T14:00:00+02:00',
      ledgerHome,
    });
    expect(r.ts).toBe('2026-05-21T12:00:00.000Z');
    const r2 = await sdk.writeStamp({
      messageId: 'msg_1',
      enrichment: { k: 'v' },
      ts: '2026-05-21T12:00:00.1239Z',
      ledgerHome,
    });
    expect(r2.ts).toBe('2026-05-21T12:00:00.123Z');
  });

  it('lists in fold order: ts first, then write sequence', async () => {
    const ledgerHome = tempHome();
    const late = await sdk.writeStamp({
      sessionId: 's',
      enrichment: { k: '1' },
      ts: '2026-01-01T00:00:00.500Z',
      ledgerHome,
    });
    const same1 = await sdk.writeStamp({
      sessionId: 's',
      enrichment: { k: '2' },
      ts: '2026-01-01T00:00:00Z',
      ledgerHome,
    });
    const same2 = await sdk.writeStamp({
      sessionId: 's',
      enrichment: { k: '3' },
      ts: '2026-01-01T00:00:00.000Z',
      ledgerHome,
    });
    const other = await sdk.writeStamp({ sessionId: 'other', enrichment: { k: '4' }, ledgerHome });
    expect((await sdk.stamps({ sessionId: 's', ledgerHome })).map((s) => s.id)).toEqual([
      same1.id,
      same2.id,
      late.id,
    ]);
    expect((await sdk.stamps({ sessionId: 'other', ledgerHome })).map((s) => s.id)).toEqual([other.id]);
  });

  it('honours RELAYBURN_HOME when no ledgerHome is given', async () => {
    const home = tempHome();
    const saved = process.env.RELAYBURN_HOME;
    process.env.RELAYBURN_HOME = home;
    try {
      await sdk.writeStamp({ sessionId: 'env', enrichment: { a: 'b' } });
      const s = await sdk.status();
      expect(s.ledgerHome).toBe(home);
      expect(s.stamps).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.RELAYBURN_HOME;
      else process.env.RELAYBURN_HOME = saved;
    }
  });

  const long = (n: number) => 'x'.repeat(n);
  const invalid: Array<[string, unknown, string]> = [
    ['no options', undefined, 'options'],
    ['null options', null, 'options'],
    ['string options', 'sess-1', 'options'],
    ['array options', [], 'options'],
    ['no selector', { enrichment: { a: 'b' } }, 'sessionId'],
    ['empty sessionId', { sessionId: '', enrichment: { a: 'b' } }, 'sessionId'],
    ['blank sessionId', { sessionId: '   ', enrichment: { a: 'b' } }, 'sessionId'],
    ['blank messageId', { messageId: '\t', enrichment: { a: 'b' } }, 'messageId'],
    ['control char in sessionId', { sessionId: 'a\nb', enrichment: { a: 'b' } }, 'sessionId'],
    ['sessionId too long', { sessionId: long(257), enrichment: { a: 'b' } }, 'sessionId'],
    ['numeric sessionId', { sessionId: 42, enrichment: { a: 'b' } }, 'sessionId'],
    ['missing enrichment', { sessionId: 's' }, 'enrichment'],
    ['empty enrichment', { sessionId: 's', enrichment: {} }, 'enrichment'],
    ['enrichment not an object', { sessionId: 's', enrichment: 'a=b' }, 'enrichment'],
    ['empty key', { sessionId: 's', enrichment: { '': 'v' } }, 'enrichment'],
    ['key too long', { sessionId: 's', enrichment: { [long(129)]: 'v' } }, 'enrichment'],
    ['numeric value', { sessionId: 's', enrichment: { a: 1 } }, 'enrichment.a'],
    ['null value', { sessionId: 's', enrichment: { a: null } }, 'enrichment.a'],
    ['value over 4 KiB', { sessionId: 's', enrichment: { a: long(4097) } }, 'enrichment.a'],
    ['unparseable ts', { sessionId: 's', enrichment: { a: 'b' }, ts: 'yesterday' }, 'ts'],
    ['ts without offset', { sessionId: 's', enrichment: { a: 'b' }, ts: '2026-05-21T12:00:00' }, 'ts'],
    ['ts out of range', { sessionId: 's', enrichment: { a: 'b' }, ts: '2026-13-01T00:00:00Z' }, 'ts'],
    ['numeric ts', { sessionId: 's', enrichment: { a: 'b' }, ts: 1_700_000_000_000 }, 'ts'],
    ['blank ledgerHome', { sessionId: 's', enrichment: { a: 'b' }, ledgerHome: ' ' }, 'ledgerHome'],
    ['unknown option (typo)', { sessionID: 's', enrichment: { a: 'b' } }, 'sessionID'],
  ];

  it.each(invalid)('rejects %s with INVALID_ARGUMENT naming the field', async (_case, options, field) => {
    const ledgerHome = tempHome();
    const withHome =
      options && typeof options === 'object' && !Array.isArray(options) && !('ledgerHome' in options)
        ? { ...options, ledgerHome }
        : options;
    const err = await (sdk.writeStamp as (o: unknown) => Promise<unknown>)(withHome).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sdk.BurnError);
    const e = err as InstanceType<typeof sdk.BurnError>;
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
    expect(e.message.startsWith('writeStamp:')).toBe(true);
    expect((await sdk.stamps({ ledgerHome })).length).toBe(0);
  });

  it('rejects bad stamps() and status() options too', async () => {
    await expect(sdk.stamps({ sessionId: '' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'sessionId',
    });
    await expect((sdk.status as (o: unknown) => Promise<unknown>)(7)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'options',
    });
  });
});
