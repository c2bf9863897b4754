/**
 * The rider's page: sign in or up, pick pickup and drop-off on the map, get a quote,
 * request now or book for later, see who comes (the driver's card) and follow them live
 * (position and ETA), show the pickup code, hear when a driver cancels and another is
 * sought, read the receipt. Only the public API and the rider's own websocket.
 */
import L from 'leaflet';
import { ApiError, Client, connect, fmtMoney, h, loginForm, pageConfig } from './api.js';
import { cityMap } from './map.js';

interface Quote {
  quoteId: string;
  fare: { amount: number; currency: string };
  surgeMultiplier: number;
  distanceMeters: number;
  durationSeconds: number;
  pickupEtaSeconds: number;
}
/** As `contracts/live-position.ts` has it: the ride detail's `live` and the `ride.driver_location` push. */
interface Live {
  lat: number;
  lon: number;
  towards: 'pickup' | 'dropoff';
  etaSeconds: number;
  distanceMeters: number;
  at: string;
}
interface DriverCard {
  firstName: string;
  vehicle: { make: string; model: string; class: string; plate: string };
  rating: { average: number | null; count: number };
}
interface Ride {
  id: string;
  status: string;
  pickupCode?: string;
  driverId?: string | null;
  driver?: DriverCard | null;
  scheduledFor?: string | null;
  live?: Live | null;
}

const LIVE_STATUSES = ['accepted', 'arrived', 'in_progress'];
const ENDED = ['completed', 'cancelled', 'expired'];
const minutes = (s: number) => (s < 60 ? 'under a minute' : `${Math.round(s / 60)} min`);

async function main(): Promise<void> {
  const cfg = pageConfig();
  const client = new Client('microride.rider');
  const session = client.session ?? (await loginForm(client, { title: 'MicroRide — ride', roles: ['rider'] }));
  const root = document.getElementById('root') as HTMLElement;
  const mapEl = h('div', { id: 'map', class: 'map' });
  const state = h('div', { id: 'ride-state', class: 'ride-state' }, 'Click the map: first the pickup, then the drop-off.');
  const quoteBox = h('div', { id: 'quote' });
  const codeBox = h('div', { id: 'pickup-code' });
  const noticeBox = h('div', { id: 'notice', class: 'notice', hidden: true });
  const driverBox = h('div', { id: 'driver-card', class: 'card', hidden: true });
  const etaBox = h('div', { id: 'eta', class: 'eta', hidden: true });
  // Book for later: empty means now; the API takes 15 minutes to 7 days ahead.
  const laterInput = h('input', { id: 'schedule-at', type: 'datetime-local', title: 'pickup time (empty: now)' });
  const receiptBox = h('div', { id: 'receipt' });
  const errorBox = h('p', { class: 'error', id: 'error' });
  const cls = h('select', { id: 'vehicle-class' }, ...['economy', 'comfort', 'xl'].map((c) => h('option', { value: c }, c)));
  const quoteBtn = h('button', { id: 'quote-button', class: 'primary' }, 'Get a price');
  const requestBtn = h('button', { id: 'request-button', class: 'primary', disabled: true }, 'Request ride');
  const cancelBtn = h('button', { id: 'cancel-button', hidden: true }, 'Cancel ride');
  root.append(
    h('header', {}, h('h1', {}, 'MicroRide'), h('span', { class: 'who' }, session.user.email), h('button', { onclick: () => { client.logout(); location.reload(); } }, 'Sign out')),
    h('div', { class: 'app' }, h('div', { class: 'panel' }, h('h2', {}, 'Your ride'), cls, quoteBtn, quoteBox, h('label', { class: 'muted' }, 'Book for later (optional): ', laterInput), requestBtn, cancelBtn, state, noticeBox, driverBox, etaBox, codeBox, receiptBox, errorBox), mapEl),
  );
  const { map } = cityMap(mapEl, cfg);
  // Defaults: the README's tour (Alexanderplatz area → Friedrichstraße), so one click is
  // enough; `?from=lat,lon&to=lat,lon` sets others (a link to a given trip).
  const params = new URLSearchParams(location.search);
  const at = (v: string | null, fallback: L.LatLng) => {
    const [lat, lon] = (v ?? '').split(',').map(Number);
    return lat !== undefined && lon !== undefined && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? L.latLng(lat, lon) : fallback;
  };
  let pickup = at(params.get('from'), L.latLng(52.52, 13.405));
  let dropoff = at(params.get('to'), L.latLng(52.5076, 13.3904));
  if (params.has('from') || params.has('to')) map.fitBounds(L.latLngBounds([pickup, dropoff]), { padding: [40, 40], maxZoom: 15 });
  const pickupMarker = L.circleMarker(pickup, { radius: 8, color: '#1a9850', fillOpacity: 0.9 }).addTo(map).bindTooltip('pickup');
  const dropoffMarker = L.circleMarker(dropoff, { radius: 8, color: '#d7191c', fillOpacity: 0.9 }).addTo(map).bindTooltip('drop-off');
  const driverMarker = L.marker([0, 0], { icon: L.divIcon({ className: 'car', iconSize: [18, 18] }) });
  const tripLine = L.polyline([pickup, dropoff], { color: '#2c7bb6', weight: 3, dashArray: '6 6' }).addTo(map);
  let next: 'pickup' | 'dropoff' = 'pickup';
  map.on('click', (e: L.LeafletMouseEvent) => {
    if (next === 'pickup') pickupMarker.setLatLng((pickup = e.latlng));
    else dropoffMarker.setLatLng((dropoff = e.latlng));
    next = next === 'pickup' ? 'dropoff' : 'pickup';
    tripLine.setLatLngs([pickup, dropoff]);
    requestBtn.disabled = true;
  });

  let quote: Quote | undefined;
  let ride: Ride | undefined;
  const fail = (err: unknown) => {
    errorBox.textContent = err instanceof ApiError ? `${err.status}: ${err.message}` : (err as Error).message;
  };
  /** The driver's position and ETA, from a push or the ride detail; the newest wins. */
  let liveAt = '';
  const showLive = (l: Live | null | undefined) => {
    if (!l || !ride || !LIVE_STATUSES.includes(ride.status)) {
      if (!ride || !LIVE_STATUSES.includes(ride.status)) {
        etaBox.hidden = true;
        driverMarker.remove();
      }
      return;
    }
    if (l.at < liveAt) return;
    liveAt = l.at;
    if (!map.hasLayer(driverMarker)) {
      // The driver's first position on the map: show them, the pickup and the drop-off at once.
      map.fitBounds(L.latLngBounds([pickup, dropoff, L.latLng(l.lat, l.lon)]), { padding: [60, 60], maxZoom: 15 });
    }
    driverMarker.setLatLng([l.lat, l.lon]).addTo(map);
    etaBox.hidden = false;
    etaBox.dataset.etaSeconds = String(l.etaSeconds);
    etaBox.dataset.towards = l.towards;
    const km = `${(l.distanceMeters / 1000).toFixed(1)} km`;
    etaBox.textContent = l.towards === 'pickup' ? `Your driver is ${minutes(l.etaSeconds)} away (${km})` : `Arriving at your destination in ${minutes(l.etaSeconds)} (${km})`;
  };
  const showDriver = (d: DriverCard | null | undefined) => {
    if (!d) {
      driverBox.hidden = true;
      driverBox.replaceChildren();
      return;
    }
    const rating = d.rating.average === null ? 'new driver' : `★ ${d.rating.average.toFixed(1)} (${d.rating.count})`;
    driverBox.replaceChildren(
      h('div', { class: 'name', id: 'driver-name' }, d.firstName),
      h('div', { id: 'driver-vehicle' }, `${d.vehicle.make} ${d.vehicle.model} · ${d.vehicle.class}`),
      h('div', { class: 'plate', id: 'driver-plate' }, d.vehicle.plate),
      h('div', { id: 'driver-rating', class: 'muted' }, rating),
    );
    driverBox.hidden = false;
  };
  const showRide = (r: Ride) => {
    ride = r;
    const later = r.status === 'scheduled' && r.scheduledFor ? ` for ${new Date(r.scheduledFor).toLocaleString()}` : '';
    state.textContent = `Ride ${r.status.replace('_', ' ')}${later}`;
    state.dataset.status = r.status;
    state.dataset.rideId = r.id;
    // A driver again (or the end) settles the "finding another driver" notice.
    if (r.status !== 'requested' && r.status !== 'matching') noticeBox.hidden = true;
    showDriver(LIVE_STATUSES.includes(r.status) ? r.driver : null);
    if (r.pickupCode && !ENDED.includes(r.status) && r.status !== 'in_progress') codeBox.replaceChildren(h('div', {}, 'Pickup code for your driver:'), h('div', { class: 'code', id: 'code' }, r.pickupCode));
    else codeBox.replaceChildren();
    showLive(r.live);
    cancelBtn.hidden = !['scheduled', 'requested', 'matching', 'accepted', 'arrived'].includes(r.status);
  };
  quoteBtn.addEventListener('click', () => {
    errorBox.textContent = '';
    client
      .call<Quote>('POST', '/api/v1/quotes', { pickup: { lat: pickup.lat, lon: pickup.lng }, dropoff: { lat: dropoff.lat, lon: dropoff.lng }, vehicleClass: cls.value })
      .then((q) => {
        quote = q;
        quoteBox.replaceChildren(
          h('div', { id: 'fare' }, `Fare ${fmtMoney(q.fare)}${q.surgeMultiplier > 1 ? ` (surge ${q.surgeMultiplier}×)` : ''}`),
          h('div', {}, `${(q.distanceMeters / 1000).toFixed(1)} km, ${Math.round(q.durationSeconds / 60)} min; pickup in ${Math.round(q.pickupEtaSeconds / 60)} min`),
        );
        requestBtn.disabled = false;
      }, fail);
  });
  requestBtn.addEventListener('click', () => {
    if (!quote) return;
    errorBox.textContent = '';
    requestBtn.disabled = true;
    const at = laterInput.value ? new Date(laterInput.value) : undefined;
    const body = at ? { quoteId: quote.quoteId, scheduledFor: at.toISOString() } : { quoteId: quote.quoteId };
    map.fitBounds(L.latLngBounds([pickup, dropoff]), { padding: [60, 60], maxZoom: 15 });
    client.call<Ride>('POST', '/api/v1/rides', body, { headers: { 'idempotency-key': crypto.randomUUID() } }).then(showRide, (err: unknown) => {
      requestBtn.disabled = false;
      fail(err);
    });
  });
  cancelBtn.addEventListener('click', () => {
    if (ride) client.call<Ride>('POST', `/api/v1/rides/${ride.id}/cancel`, {}).then(showRide, fail);
  });

  const refresh = () => {
    if (ride) void client.call<Ride>('GET', `/api/v1/rides/${ride.id}`).then(showRide, () => undefined);
  };
  const loadReceipt = async (rideId: string) => {
    for (let i = 0; i < 30; i += 1) {
      try {
        const r = await client.call<{ total: number; currency: string; lines: { description: string; amount: number }[]; fareReason: string | null; simulated: boolean }>('GET', `/api/v1/rides/${rideId}/receipt`);
        receiptBox.replaceChildren(
          h('h2', {}, 'Receipt'),
          ...r.lines.map((l) => h('div', {}, `${l.description}: ${fmtMoney({ amount: l.amount, currency: r.currency })}`)),
          h('div', { id: 'receipt-total' }, `Paid ${fmtMoney({ amount: r.total, currency: r.currency })}`),
          h('div', { class: 'muted' }, r.fareReason ?? ''),
          h('div', { class: 'muted' }, r.simulated ? 'Payment gateway simulated.' : ''),
        );
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  connect(
    client,
    '/ws',
    (msg) => {
      const m = msg as { type: string; rideId?: string; data: Record<string, unknown> };
      if (!ride || m.rideId !== ride.id) return;
      if (m.type === 'ride.driver_location') {
        showLive(m.data as unknown as Live);
        return;
      }
      if (m.type === 'microride.ride.rematching') {
        noticeBox.textContent = 'Your driver cancelled. Finding you another driver, at no cost.';
        noticeBox.hidden = false;
        liveAt = '';
      }
      refresh();
      if (m.type === 'microride.ride.completed') void loadReceipt(ride.id);
    },
    () => undefined,
  );
  // The ride detail carries the driver's live position while it runs; read it now and then
  // too, for a notifier that does not push positions.
  setInterval(() => {
    if (ride && LIVE_STATUSES.includes(ride.status)) refresh();
  }, 3000);
}

void main();
