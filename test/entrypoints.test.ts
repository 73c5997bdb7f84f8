import { describe, expect, it } from 'vitest';
import { cjs, esm } from './helpers/sdk.js';

describe('entry points', () => {
  it('ESM and CJS export the same names', () => {
    const names = (m: object) =>
      Object.keys(m)
        .filter((k) => k !== 'default' && k !== '__esModule')
        .sort();
    expect(names(esm)).toEqual(names(cjs));
    expect(names(esm)).toEqual(
      expect.arrayContaining(['BurnError', 'BURN_ERROR_CODES', 'writeStamp', 'stamps', 'status']),
    );
  });

  it('share one implementation (one BurnError class)', () => {
    expect(esm.BurnError).toBe(cjs.BurnError);
    expect(esm.writeStamp).toBe(cjs.writeStamp);
  });

  it('lists the stable error codes', () => {
    expect([...esm.BURN_ERROR_CODES].sort()).toEqual(
      [
        'INVALID_ARGUMENT',
        'LEDGER_BUSY',
        'LEDGER_CORRUPT',
        'SCHEMA_TOO_NEW',
        'IO',
        'UNSUPPORTED_PLATFORM',
        'SERVER',
        'INTERNAL',
      ].sort(),
    );
  });
});
