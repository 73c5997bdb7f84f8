// What the kit's generators share: the corpus clock, hex digits and filler words.

/** Sessions start in the 59 days before this instant. */
export const BASE_MS = Date.UTC(2026, 5, 30);
/** Files are dated an hour back at least, so no ingest takes them for still-streaming. */
export const OLD_MS = Date.UTC(2026, 6, 1);
export const HEX = '0123456789abcdef';

export const words =
  'the a build test fix refactor parser module cache query index error file path read write ledger cursor'.split(
    ' ',
  );
/** `n` random words. */
export const sentence = (r, n) => Array.from({ length: n }, () => r.pick(words)).join(' ');
