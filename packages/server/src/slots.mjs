/**
 * A per-process limit on requests in progress, taken before the body is read: a waiting
 * request's body stays in its socket (TCP pushes back on the client), not in this heap.
 */

/** @param {number} size */
export function slots(size) {
  let active = 0;
  /** @type {Array<() => void>} */
  const waiting = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  /**
   * Resolves when a slot is free; the slot is given back when `res` closes (answered or
   * aborted). A request aborted while waiting leaves the queue without taking one.
   * @param {import('node:http').ServerResponse} res
   */
  return function acquire(res) {
    return new Promise((resolve) => {
      let granted = false;
      const grant = () => {
        granted = true;
        resolve(undefined);
      };
      res.once('close', () => {
        if (granted) return release();
        const i = waiting.indexOf(grant);
        if (i >= 0) waiting.splice(i, 1);
        resolve(undefined);
      });
      if (active < size) {
        active++;
        grant();
      } else waiting.push(grant);
    });
  };
}
