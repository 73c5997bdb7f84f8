/** `since`/`until`/`timezone` resolved by the core's own rule (through the SDK). */
import { timeWindow } from '@relayburn/sdk';
import { ServerError } from './db.mjs';

export async function resolveWindow(p) {
  try {
    return await timeWindow({
      ...(p.since !== undefined ? { since: p.since } : {}),
      ...(p.until !== undefined ? { until: p.until } : {}),
      ...(p.timezone !== undefined ? { timezone: p.timezone } : {}),
      ...(p.weekStart !== undefined ? { weekStart: p.weekStart } : {}),
    });
  } catch (err) {
    if (err?.code === 'INVALID_ARGUMENT')
      throw new ServerError(400, 'INVALID_ARGUMENT', String(err.message).replace(/^timeWindow: /, ''));
    throw err;
  }
}
