/**
 * The operations console: admin sign-in, the live map (drivers, active rides, surge cells)
 * and KPI tiles from the notifier's admin-only /ops channel, a live event feed, and the
 * dead-letter and parked-outbox views over the admin API.
 */
import L from 'leaflet';
import { ApiError, Client, connect, h, loginForm, pageConfig } from './api.js';
import { cityMap } from './map.js';

type DriverRow = [string, string, number, number, number];
type RideRow = [string, string, number | null, number | null, number | null, number | null, string | null];
type CellRow = [string, number, number, number, number, number];
interface FeedEntry {
  type: string;
  rideId?: string;
  at: string;
  text: string;
}
interface Frame {
  t: 'frame';
  full: boolean;
  now: number;
  drivers: DriverRow[];
  gone: string[];
  rides?: RideRow[];
  cells?: CellRow[];
  kpis: Record<string, number | null>;
  feed: FeedEntry[];
}

/** What the browser tests read: how fresh and how costly the map is. */
interface OpsStats {
  frames: number;
  /** ms spent applying each frame (the last 600). */
  applyMs: number[];
  /** ms between two animation frames while frames arrive (the last 600). */
  rafGapMs: number[];
  /** Arrival minus the frame's server time, ms (the last 600; clock offset included). */
  deliveryMs: number[];
  lastFrameAt: number;
  drivers: number;
  rides: number;
}
declare global {
  interface Window {
    opsStats: OpsStats;
  }
}

const STATUS_COLOUR: Record<string, string> = { online: '#1a9850', on_trip: '#2c7bb6', offline: '#888888' };
const RIDE_COLOUR: Record<string, string> = { requested: '#d7191c', accepted: '#fdae61', arrived: '#f46d43', in_progress: '#2c7bb6' };

/** Fresh < 10 s, late < 30 s, quiet beyond (no offers): fading points. */
const ageOpacity = (ageMs: number) => (ageMs < 10_000 ? 0.95 : ageMs < 30_000 ? 0.55 : 0.2);

const KPI_TILES: [string, string, (v: number | null) => string][] = [
  ['driversOnline', 'drivers online', (v) => String(v ?? 0)],
  ['driversAvailable', 'available', (v) => String(v ?? 0)],
  ['openRequests', 'open requests', (v) => String(v ?? 0)],
  ['activeRides', 'active rides', (v) => String(v ?? 0)],
  ['completedLast5m', 'completed (5 min)', (v) => String(v ?? 0)],
  ['matchRate', 'match rate', (v) => (v === null ? '–' : `${Math.round(v * 100)} %`)],
  ['pickupWaitMedianSeconds', 'pickup wait p50', (v) => (v === null ? '–' : `${Math.round(v)} s`)],
  ['pickupWaitP90Seconds', 'pickup wait p90', (v) => (v === null ? '–' : `${Math.round(v)} s`)],
  ['cancellations', 'cancellations', (v) => String(v ?? 0)],
  ['paymentsFailed', 'payments failed', (v) => String(v ?? 0)],
];

async function main(): Promise<void> {
  const cfg = pageConfig();
  const client = new Client('microride.console');
  let session = client.session;
  for (;;) {
    session ??= await loginForm(client, { title: 'MicroRide operations', roles: [], note: 'Admin accounts only.' });
    if (session.user.role === 'admin') break;
    client.logout();
    session = null;
    document.getElementById('root')?.append(h('p', { class: 'error', id: 'not-admin' }, 'This console is for admin accounts.'));
  }
  document.getElementById('not-admin')?.remove();
  const root = document.getElementById('root') as HTMLElement;

  const status = h('span', { id: 'channel-state', class: 'state' }, 'connecting…');
  const tiles = h('div', { class: 'tiles', id: 'kpis' });
  const tileValue = new Map<string, HTMLElement>();
  for (const [key, label] of KPI_TILES) {
    const value = h('div', { class: 'value', 'data-kpi': key }, '–');
    tileValue.set(key, value);
    tiles.append(h('div', { class: 'tile' }, value, h('div', { class: 'label' }, label)));
  }
  const mapEl = h('div', { id: 'map', class: 'map' });
  const legend = h(
    'div',
    { class: 'legend' },
    ...Object.entries(STATUS_COLOUR).map(([s, c]) => h('span', {}, h('i', { style: `background:${c}` }), s.replace('_', ' '))),
    h('span', {}, 'faded = no ping for 10 s / 30 s'),
    ...Object.entries(RIDE_COLOUR).map(([s, c]) => h('span', {}, h('i', { class: 'line', style: `background:${c}` }), s.replace('_', ' '))),
    h('span', {}, h('i', { class: 'cell', style: 'background:#e31a1c55' }), 'market cell with surge (darker: higher)'),
  );
  const side = h('div', { class: 'side' });
  root.append(
    h('header', {}, h('h1', {}, 'MicroRide operations'), status, h('span', { class: 'who' }, session.user.email), h('button', { id: 'logout', onclick: () => { client.logout(); location.reload(); } }, 'Sign out')),
    tiles,
    h('main', { class: 'console' }, h('div', { class: 'mapbox' }, mapEl, legend), side),
  );

  // ── map ────────────────────────────────────────────────────────────────
  const { map, renderer } = cityMap(mapEl, cfg);
  const drivers = new Map<string, { row: DriverRow; marker: L.CircleMarker }>();
  const rides = new Map<string, { row: RideRow; line: L.Polyline | undefined }>();
  const cells = new Map<string, L.Rectangle>();
  const stats: OpsStats = { frames: 0, applyMs: [], rafGapMs: [], deliveryMs: [], lastFrameAt: 0, drivers: 0, rides: 0 };
  window.opsStats = stats;
  const push = (xs: number[], v: number) => {
    xs.push(v);
    if (xs.length > 600) xs.shift();
  };
  let serverNow = Date.now();

  const styleDriver = (m: L.CircleMarker, row: DriverRow) => {
    const o = ageOpacity(serverNow - row[4]);
    m.setStyle({ color: STATUS_COLOUR[row[1]] ?? '#888', fillColor: STATUS_COLOUR[row[1]] ?? '#888', fillOpacity: o, opacity: o });
  };
  const applyDrivers = (rows: DriverRow[], gone: string[], full: boolean) => {
    const seen = full ? new Set<string>() : undefined;
    for (const row of rows) {
      seen?.add(row[0]);
      const cur = drivers.get(row[0]);
      if (cur) {
        cur.row = row;
        cur.marker.setLatLng([row[2], row[3]]);
        styleDriver(cur.marker, row);
      } else {
        const marker = L.circleMarker([row[2], row[3]], { renderer, radius: 4, weight: 1 }).addTo(map);
        marker.bindTooltip(() => { const d = drivers.get(row[0])?.row ?? row; return `driver ${d[0].slice(0, 8)} · ${d[1]} · ping ${Math.round((serverNow - d[4]) / 1000)} s ago`; });
        styleDriver(marker, row);
        drivers.set(row[0], { row, marker });
      }
    }
    const remove = full ? [...drivers.keys()].filter((id) => !seen?.has(id)) : gone;
    for (const id of remove) {
      drivers.get(id)?.marker.remove();
      drivers.delete(id);
    }
    // Ages move on even for drivers that did not ping: refresh the fading every few seconds.
    if (stats.frames % 5 === 0) for (const d of drivers.values()) styleDriver(d.marker, d.row);
  };
  const applyRides = (rows: RideRow[]) => {
    const keep = new Set(rows.map((r) => r[0]));
    for (const [id, r] of rides) if (!keep.has(id)) { r.line?.remove(); rides.delete(id); }
    for (const row of rows) {
      const cur = rides.get(row[0]);
      if (cur && cur.row.join() === row.join()) continue;
      cur?.line?.remove();
      const [id, st, plat, plon, dlat, dlon] = row;
      let line: L.Polyline | undefined;
      if (plat !== null && plon !== null && dlat !== null && dlon !== null) {
        line = L.polyline([[plat, plon], [dlat, dlon]], { renderer, color: RIDE_COLOUR[st] ?? '#d7191c', weight: 3, opacity: 0.85, dashArray: st === 'requested' ? '6 6' : undefined }).addTo(map);
        line.bindTooltip(`ride ${id.slice(0, 8)} · ${st}`);
      }
      rides.set(id, { row, line });
    }
    mapEl.dataset.rides = [...rides.values()].filter((r) => r.line).map((r) => r.row[0]).join(',');
  };
  const applyCells = (rows: CellRow[]) => {
    for (const r of cells.values()) r.remove();
    cells.clear();
    for (const [cell, m, a, b, c, d] of rows) {
      if (m <= 1) continue;
      const rect = L.rectangle([[a, b], [c, d]], { renderer, stroke: false, fillColor: '#e31a1c', fillOpacity: Math.min(0.45, (m - 1) * 0.25), interactive: false }).addTo(map);
      rect.bindTooltip(`${cell} · surge ${m.toFixed(1)}×`);
      cells.set(cell, rect);
    }
    mapEl.dataset.cells = [...cells.keys()].join(',');
  };

  // ── feed ───────────────────────────────────────────────────────────────
  const filter = h('select', { id: 'feed-filter' }, h('option', { value: '' }, 'all events'));
  const types = new Set<string>();
  const feedList = h('ol', { id: 'feed', class: 'feed' });
  const feedItems: { entry: FeedEntry; el: HTMLElement }[] = [];
  const visible = (e: FeedEntry) => !filter.value || e.type === filter.value;
  filter.addEventListener('change', () => {
    for (const it of feedItems) it.el.hidden = !visible(it.entry);
  });
  const addFeed = (entries: FeedEntry[]) => {
    for (const entry of entries) {
      if (!types.has(entry.type)) {
        types.add(entry.type);
        filter.append(h('option', { value: entry.type }, entry.type.replace(/^microride\./, '')));
      }
      const el = h('li', { 'data-type': entry.type }, h('time', {}, new Date(entry.at).toLocaleTimeString()), ' ', entry.text);
      el.hidden = !visible(entry);
      feedList.prepend(el);
      feedItems.push({ entry, el });
      if (feedItems.length > 300) feedItems.shift()?.el.remove();
    }
  };

  // ── admin views: dead letters, parked outbox ──────────────────────────
  // Shapes as the admin API answers them (README, operations endpoints): pages of
  // `{items, total, limit, offset}`; a replay answers one outcome per id.
  interface AdminPage<T> {
    items: T[];
    total: number;
  }
  interface DeadLetter {
    id: string;
    eventId: string;
    type: string;
    source: string;
    receivedAt: string;
    knativeerrordest: string;
    knativeerrorcode: number | null;
    errorText: string | null;
    replays: number;
    replayedAt: string | null;
  }
  interface ReplayResult {
    results: { id: string; outcome: 'replayed' | 'not_found' | 'failed'; error?: string }[];
  }
  interface ParkedRow {
    service: string;
    id: string;
    type: string;
    createdAt: string;
    attempts: number;
    lastError: string | null;
  }
  const deadBox = h('div', { id: 'deadletters-list' });
  const deadNote = h('p', { id: 'deadletters-note', class: 'muted' });
  // Pending by default: a replayed dead letter leaves this view (it stays listed under "replayed").
  const deadFilter = h('select', { id: 'deadletters-filter' }, h('option', { value: 'false' }, 'pending'), h('option', { value: 'true' }, 'replayed'), h('option', { value: '' }, 'all'));
  const outboxBox = h('div', { id: 'outbox-list' });
  const outboxNote = h('p', { id: 'outbox-note', class: 'muted' });
  const services = ['rides', 'accounts', 'drivers', 'payments'];
  const outboxService = h('select', { id: 'outbox-service' }, h('option', { value: '' }, 'all services'), ...services.map((s) => h('option', { value: s }, s)));
  const tabs: [string, HTMLElement, () => void][] = [
    ['Events', h('div', {}, filter, feedList), () => undefined],
    ['Dead letters', h('div', { id: 'deadletters' }, deadFilter, deadNote, deadBox), () => void loadDeadLetters()],
    ['Parked outbox', h('div', { id: 'outbox' }, outboxService, outboxNote, outboxBox), () => void loadOutbox()],
  ];
  const tabBar = h('nav', { class: 'tabs' });
  const panes = h('div', { class: 'panes' });
  tabs.forEach(([name, pane, onShow], i) => {
    pane.hidden = i !== 0;
    panes.append(pane);
    tabBar.append(h('button', { 'data-tab': name, onclick: () => { tabs.forEach(([, p]) => (p.hidden = p !== pane)); onShow(); } }, name));
  });
  side.append(tabBar, panes);
  deadFilter.addEventListener('change', () => void loadDeadLetters());
  outboxService.addEventListener('change', () => void loadOutbox());

  const problem = (err: unknown) => (err instanceof ApiError ? `${err.status}: ${err.message}` : (err as Error).message);
  const unavailable = (box: HTMLElement, err: unknown) => {
    box.replaceChildren(h('p', { class: 'muted', 'data-state': 'unavailable' }, err instanceof ApiError && (err.status === 404 || err.status === 405) ? 'not available' : `error: ${problem(err)}`));
  };
  // Today's times alone; older ones with their date.
  const when = (iso: string | null) => {
    if (!iso) return '–';
    const d = new Date(iso);
    return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
  };
  const table = <T extends { id: string }>(rows: T[], cols: [string, (r: T) => string][], actions: (r: T) => HTMLElement[]) =>
    h('table', {}, h('tr', {}, ...cols.map(([c]) => h('th', {}, c)), h('th', {}, '')), ...rows.map((r) => h('tr', { 'data-id': r.id }, ...cols.map(([, f]) => h('td', {}, f(r))), h('td', { class: 'actions' }, ...actions(r)))));

  async function loadDeadLetters(): Promise<void> {
    const replayed = deadFilter.value;
    try {
      const page = await client.call<AdminPage<DeadLetter>>('GET', `/api/v1/admin/deadletters?limit=100${replayed ? `&replayed=${replayed}` : ''}`);
      const replay = async (ids: string[]) => {
        try {
          const r = await client.call<ReplayResult>('POST', '/api/v1/admin/deadletters/replay', { ids });
          const count = (o: string) => r.results.filter((x) => x.outcome === o).length;
          const failed = r.results.filter((x) => x.outcome === 'failed');
          deadNote.textContent = `replayed ${count('replayed')}, not found ${count('not_found')}, failed ${failed.length}${failed[0]?.error ? ` (${failed[0].error})` : ''}`;
          deadNote.dataset.outcome = failed.length > 0 ? 'failed' : 'replayed';
        } catch (err) {
          deadNote.textContent = problem(err);
          deadNote.dataset.outcome = 'error';
        }
        await loadDeadLetters();
      };
      const discard = async (id: string) => {
        try {
          await client.call('DELETE', `/api/v1/admin/deadletters/${encodeURIComponent(id)}`);
          deadNote.textContent = 'discarded 1';
          deadNote.dataset.outcome = 'discarded';
        } catch (err) {
          deadNote.textContent = problem(err);
          deadNote.dataset.outcome = 'error';
        }
        await loadDeadLetters();
      };
      // At most 100 ids per replay (the endpoint's limit); the list shows at most 100.
      const ids = page.items.map((r) => r.id);
      deadBox.replaceChildren(
        h('div', { class: 'muted', id: 'deadletters-total', 'data-total': page.total }, `${page.total} dead letter${page.total === 1 ? '' : 's'}${page.total > page.items.length ? ` (newest ${page.items.length} shown)` : ''}`),
        ...(ids.length > 0 ? [h('button', { id: 'deadletters-replay-all', onclick: () => void replay(ids) }, `Replay shown (${ids.length})`)] : []),
        table(
          page.items,
          [
            ['type', (r) => r.type.replace(/^microride\./, '')],
            ['failed at', (r) => `${r.knativeerrorcode ?? ''} ${r.knativeerrordest.replace(/^https?:\/\//, '').split('.')[0] ?? ''}`],
            ['error', (r) => r.errorText ?? ''],
            ['received', (r) => when(r.receivedAt)],
            ['replays', (r) => (r.replays > 0 ? `${r.replays} (last ${when(r.replayedAt)})` : '0')],
          ],
          (r) => [
            h('button', { 'data-action': 'replay', onclick: () => void replay([r.id]) }, 'replay'),
            h('button', { 'data-action': 'discard', onclick: () => void discard(r.id) }, 'discard'),
          ],
        ),
      );
    } catch (err) {
      unavailable(deadBox, err);
    }
  }
  async function loadOutbox(): Promise<void> {
    const service = outboxService.value;
    try {
      const page = await client.call<AdminPage<ParkedRow>>('GET', `/api/v1/admin/outbox/parked?limit=100${service ? `&service=${encodeURIComponent(service)}` : ''}`);
      const retry = async (r: ParkedRow) => {
        try {
          await client.call('POST', `/api/v1/admin/outbox/${encodeURIComponent(r.service)}/${encodeURIComponent(r.id)}/retry`);
          outboxNote.textContent = `${r.type.replace(/^microride\./, '')} due again: the relay publishes it within a poll`;
          outboxNote.dataset.outcome = 'retried';
        } catch (err) {
          outboxNote.textContent = problem(err);
          outboxNote.dataset.outcome = 'error';
        }
        await loadOutbox();
      };
      outboxBox.replaceChildren(
        h('div', { class: 'muted', id: 'outbox-total', 'data-total': page.total }, `${page.total} parked row${page.total === 1 ? '' : 's'}`),
        table(
          page.items,
          [
            ['service', (r) => r.service],
            ['type', (r) => r.type.replace(/^microride\./, '')],
            ['attempts', (r) => String(r.attempts)],
            ['last error', (r) => r.lastError ?? ''],
            ['created', (r) => when(r.createdAt)],
          ],
          (r) => [h('button', { 'data-action': 'retry', onclick: () => void retry(r) }, 'retry')],
        ),
      );
    } catch (err) {
      unavailable(outboxBox, err);
    }
  }

  // ── the channel ─────────────────────────────────────────────────────────
  let rafLast = 0;
  let rafUntil = 0;
  const rafLoop = (t: number) => {
    if (rafLast) push(stats.rafGapMs, t - rafLast);
    rafLast = t;
    if (performance.now() < rafUntil) requestAnimationFrame(rafLoop);
    else rafLast = 0;
  };
  connect(
    client,
    '/ops',
    (msg) => {
      const f = msg as Frame;
      if (f.t !== 'frame') return;
      const t0 = performance.now();
      push(stats.deliveryMs, Date.now() - f.now);
      serverNow = f.now;
      applyDrivers(f.drivers, f.gone, f.full);
      if (f.rides) applyRides(f.rides);
      if (f.cells) applyCells(f.cells);
      for (const [key, , fmt] of KPI_TILES) {
        const el = tileValue.get(key);
        if (el) el.textContent = fmt(f.kpis[key] ?? null);
      }
      addFeed(f.feed);
      stats.frames += 1;
      stats.drivers = drivers.size;
      stats.rides = rides.size;
      stats.lastFrameAt = Date.now();
      push(stats.applyMs, performance.now() - t0);
      mapEl.dataset.drivers = String(drivers.size);
      // Sample the page's frame rate while updates keep coming (the smoothness measure).
      if (rafUntil < performance.now()) requestAnimationFrame(rafLoop);
      rafUntil = performance.now() + 1500;
    },
    (state, detail) => {
      status.textContent = state === 'open' ? 'live' : state === 'refused' ? `refused${detail ? `: ${detail}` : ''}` : `reconnecting (${detail ?? ''})`;
      status.dataset.state = state;
    },
  );
}

void main();
