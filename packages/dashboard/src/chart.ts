/**
 * Charts drawn with uPlot (canvas, ~20 KB gzip): stacked bars of spend per day, and a
 * session's turns over time.
 */
import uPlot from 'uplot';
import { formatUsd } from './format.js';

/** Series colours, readable on the light and the dark background alike. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#9c755f',
];

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function axis(): uPlot.Axis {
  const ink = css('--muted') || '#888';
  return { stroke: ink, grid: { stroke: css('--grid') || '#8883', width: 1 }, ticks: { show: false } };
}

const usdAxis = (): uPlot.Axis => ({
  ...axis(),
  size: 70,
  values: (_u, splits) => splits.map((v) => formatUsd(v)),
});

const bars = uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });

/** One stack segment per key: `values[k][day]` dollars. */
export interface Stacked {
  days: string[];
  keys: string[];
  values: number[][];
}

let daily: uPlot | undefined;

/**
 * Stacked bars: uPlot draws each series from zero, so series k is drawn at the running sum
 * of keys k..n (the last key on the bottom); later series cover earlier ones, leaving each
 * key's own segment visible. The legend shows each key's own value.
 */
export function drawDaily(el: HTMLElement, data: Stacked): void {
  daily?.destroy();
  el.replaceChildren();
  const n = data.days.length;
  const sums: number[][] = data.keys.map(() => new Array<number>(n).fill(0));
  for (let d = 0; d < n; d++) {
    let run = 0;
    for (let k = data.keys.length - 1; k >= 0; k--) {
      run += data.values[k]?.[d] ?? 0;
      const row = sums[k];
      if (row) row[d] = run;
    }
  }
  const x = data.days.map((_, i) => i);
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth),
    height: 280,
    scales: {
      x: { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      {
        ...axis(),
        values: (_u, splits) =>
          splits.map((i) => (Number.isInteger(i) ? (data.days[i]?.slice(5) ?? '') : '')),
      },
      usdAxis(),
    ],
    legend: { live: true },
    cursor: { points: { show: false } },
    series: [
      { label: 'day', value: (_u, i) => (i == null ? '' : (data.days[i] ?? '')) },
      ...data.keys.map(
        (key, k): uPlot.Series => ({
          label: key,
          fill: PALETTE[k % PALETTE.length],
          stroke: PALETTE[k % PALETTE.length],
          width: 0,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
          value: (_u, _v, _s, i) => (i == null ? '' : formatUsd(data.values[k]?.[i] ?? 0)),
        }),
      ),
    ],
  };
  daily = new uPlot(opts, [x, ...sums], el);
}

let turns: uPlot | undefined;

/** A session's turns: cost of each turn (bars) and the running total (line), over time. */
export function drawTurns(el: HTMLElement, ts: number[], cost: number[]): void {
  turns?.destroy();
  el.replaceChildren();
  let run = 0;
  const cumulative = cost.map((c) => (run += c));
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth),
    height: 220,
    axes: [axis(), usdAxis(), { ...usdAxis(), side: 1, scale: 'total', grid: { show: false } }],
    scales: { total: {} },
    cursor: { points: { show: false } },
    series: [
      {},
      {
        label: 'turn cost',
        fill: PALETTE[0],
        stroke: PALETTE[0],
        width: 0,
        ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.6, 12] }) } : {}),
        value: (_u, v) => (v == null ? '' : formatUsd(v)),
      },
      {
        label: 'running total',
        scale: 'total',
        stroke: PALETTE[1],
        width: 2,
        value: (_u, v) => (v == null ? '' : formatUsd(v)),
      },
    ],
  };
  turns = new uPlot(opts, [ts, cost, cumulative], el);
}
