/**
 * The driver's page: sign in or up, register a vehicle the first time, go online (the page
 * reports the car's position every 3 s; drag the car or let it drive to the next stop),
 * receive an offer, accept, arrive, start (only with the rider's 4-digit pickup code, which
 * the API requires), complete.
 */
import L from 'leaflet';
import { ApiError, Client, connect, h, loginForm, pageConfig } from './api.js';
import { cityMap } from './map.js';

interface Ride {
  id: string;
  status: string;
  pickup?: { lat: number; lon: number };
  dropoff?: { lat: number; lon: number };
}

async function main(): Promise<void> {
  const cfg = pageConfig();
  const client = new Client('microride.driver');
  const session = client.session ?? (await loginForm(client, { title: 'MicroRide — drive', roles: ['driver'] }));
  const root = document.getElementById('root') as HTMLElement;
  const mapEl = h('div', { id: 'map', class: 'map' });
  const errorBox = h('p', { class: 'error', id: 'error' });
  const state = h('div', { id: 'driver-state', class: 'ride-state' }, 'offline');
  const offerBox = h('div', { id: 'offer' });
  const onlineBtn = h('button', { id: 'online-button', class: 'primary' }, 'Go online');
  const code = h('input', { id: 'pickup-code', placeholder: 'pickup code (4 digits)', inputmode: 'numeric', maxlength: 4, pattern: '[0-9]{4}', required: true, autocomplete: 'off' });
  const steps = {
    arrived: h('button', { id: 'arrived-button', hidden: true }, 'Arrived at pickup'),
    // The API starts a trip only with the rider's code: the button waits for four digits.
    start: h('button', { id: 'start-button', hidden: true, disabled: true }, 'Start trip'),
    complete: h('button', { id: 'complete-button', hidden: true }, 'Complete trip'),
  };
  const codeRow = h('label', { hidden: true, id: 'code-row' }, 'Ask the rider for their pickup code: ', code);
  code.addEventListener('input', () => {
    code.value = code.value.replace(/\D/g, '').slice(0, 4);
    steps.start.disabled = !/^[0-9]{4}$/.test(code.value);
  });
  root.append(
    h('header', {}, h('h1', {}, 'MicroRide — drive'), h('span', { class: 'who' }, session.user.email), h('button', { onclick: () => { client.logout(); location.reload(); } }, 'Sign out')),
    h('div', { class: 'app' }, h('div', { class: 'panel' }, h('h2', {}, 'Your shift'), onlineBtn, state, offerBox, steps.arrived, codeRow, steps.start, steps.complete, errorBox, h('p', { class: 'muted' }, 'A demonstration client: the vehicle details registered on a first visit are made up, and the car drives itself towards the next stop.')), mapEl),
  );
  const { map } = cityMap(mapEl, cfg);
  const fail = (err: unknown) => {
    errorBox.textContent = err instanceof ApiError ? `${err.status}: ${err.message}` : (err as Error).message;
  };

  // The first visit registers a vehicle (simulated details; the page is a demo client).
  try {
    await client.call('GET', '/api/v1/drivers/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    await client.call('POST', '/api/v1/drivers', {
      licenseNumber: `WEB-${Math.floor(100000 + Math.random() * 900000)}`,
      vehicle: { make: 'Toyota', model: 'Prius', plate: `W-${Math.floor(1000 + Math.random() * 9000)}`, class: 'economy', seats: 4 },
    });
  }

  const start = new URLSearchParams(location.search);
  let pos = L.latLng(Number(start.get('lat') ?? 52.523), Number(start.get('lon') ?? 13.405));
  const car = L.marker(pos, { draggable: true, icon: L.divIcon({ className: 'car', iconSize: [18, 18] }) }).addTo(map);
  car.on('dragend', () => (pos = car.getLatLng()));
  let target: L.LatLng | undefined;
  let online = false;
  let ride: Ride | undefined;

  const report = () =>
    client.call('POST', '/api/v1/drivers/me/location', { lat: pos.lat, lon: pos.lng }).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.status === 429)) fail(err);
    });
  setInterval(() => {
    if (!online) return;
    if (target) {
      // Drive a third of the way each tick: close enough to look like an approach.
      pos = L.latLng(pos.lat + (target.lat - pos.lat) / 3, pos.lng + (target.lng - pos.lng) / 3);
      car.setLatLng(pos);
    }
    void report();
  }, 3000);

  const route = L.layerGroup().addTo(map);
  const drawRoute = (r: Ride) => {
    route.clearLayers();
    if (!r.pickup || !r.dropoff || ['completed', 'cancelled', 'expired'].includes(r.status)) return;
    const p: L.LatLngTuple = [r.pickup.lat, r.pickup.lon];
    const d: L.LatLngTuple = [r.dropoff.lat, r.dropoff.lon];
    L.polyline([p, d], { color: '#2c7bb6', weight: 3, dashArray: '6 6' }).addTo(route);
    L.circleMarker(p, { radius: 8, color: '#1a9850', fillOpacity: 0.9 }).bindTooltip('pickup').addTo(route);
    L.circleMarker(d, { radius: 8, color: '#d7191c', fillOpacity: 0.9 }).bindTooltip('drop-off').addTo(route);
  };
  const showRide = (r: Ride) => {
    ride = r;
    drawRoute(r);
    state.textContent = `ride ${r.status.replace('_', ' ')}`;
    state.dataset.status = r.status;
    steps.arrived.hidden = r.status !== 'accepted';
    steps.start.hidden = r.status !== 'arrived';
    codeRow.hidden = r.status !== 'arrived';
    if (r.status !== 'arrived') {
      code.value = '';
      steps.start.disabled = true;
    }
    steps.complete.hidden = r.status !== 'in_progress';
    if (r.status === 'accepted' && r.pickup) target = L.latLng(r.pickup.lat, r.pickup.lon);
    else if (r.status === 'in_progress' && r.dropoff) target = L.latLng(r.dropoff.lat, r.dropoff.lon);
    else target = undefined;
    // Once taken, the offer is the ride under way: no accept or decline left to press.
    if (r.status !== 'requested' && r.status !== 'matching') offerBox.replaceChildren();
    if (['completed', 'cancelled', 'expired'].includes(r.status)) {
      offerBox.replaceChildren();
      state.textContent = `online — last ride ${r.status}`;
    }
  };

  onlineBtn.addEventListener('click', () => {
    const next = online ? 'offline' : 'online';
    client.call('PUT', '/api/v1/drivers/me/availability', { status: next }).then(async () => {
      online = next === 'online';
      onlineBtn.textContent = online ? 'Go offline' : 'Go online';
      state.textContent = online ? 'online — waiting for an offer' : 'offline';
      state.dataset.status = next;
      if (online) await report();
    }, fail);
  });

  const act = (step: 'accept' | 'arrived' | 'start' | 'complete') => {
    if (!ride) return;
    errorBox.textContent = '';
    if (step === 'start' && !/^[0-9]{4}$/.test(code.value)) {
      code.focus();
      return;
    }
    const body = step === 'start' ? { pickupCode: code.value } : undefined;
    client.call<Ride>('POST', `/api/v1/rides/${ride.id}/${step}`, body).then(showRide, (err: unknown) => {
      if (step === 'start') {
        // Wrong code (422) or too many wrong codes (429): type it again.
        code.select();
        code.focus();
      }
      fail(err);
    });
  };
  steps.arrived.addEventListener('click', () => act('arrived'));
  steps.start.addEventListener('click', () => act('start'));
  steps.complete.addEventListener('click', () => act('complete'));

  connect(
    client,
    '/ws',
    (msg) => {
      const m = msg as { type: string; rideId?: string; data: Record<string, unknown> };
      if (m.type === 'microride.ride.offered' && m.rideId && (!ride || ['completed', 'cancelled', 'expired'].includes(ride.status))) {
        const rideId = m.rideId;
        void client.call<Ride>('GET', `/api/v1/rides/${rideId}`).then((r) => {
          ride = r;
          drawRoute(r);
          offerBox.replaceChildren(
            h('h2', {}, 'New offer'),
            h('div', {}, r.pickup ? `pickup ${r.pickup.lat.toFixed(4)}, ${r.pickup.lon.toFixed(4)}` : ''),
            h('button', { id: 'accept-button', class: 'primary', onclick: () => act('accept') }, 'Accept'),
            h('button', { id: 'decline-button', onclick: () => { void client.call('POST', `/api/v1/rides/${rideId}/decline`).then(() => offerBox.replaceChildren()); } }, 'Decline'),
          );
        }, fail);
      } else if (ride && m.rideId === ride.id && m.type !== 'microride.ride.offered') {
        void client.call<Ride>('GET', `/api/v1/rides/${ride.id}`).then(showRide, () => undefined);
      }
    },
    () => undefined,
  );
}

void main();
