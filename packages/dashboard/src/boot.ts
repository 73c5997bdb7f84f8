/**
 * The page's first script, small and in its head: starts the two requests first paint waits
 * for while the styles and `app.js` (with the chart library) still load and parse. `app.js`
 * takes their answers instead of asking again (`api.ts`).
 */
import { prefetch } from './api.js';
import { firstPaintQueries, readState } from './state.js';

for (const [path, params] of Object.entries(firstPaintQueries(readState()))) prefetch(path, params);
