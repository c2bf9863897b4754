/**
 * The city map every page draws: Leaflet on a canvas renderer (thousands of points stay
 * cheap), the city's districts, roads and market cells from /web/city.json, and tiles
 * only when MAP_TILE_URL is set. Nothing is fetched from outside otherwise.
 */
import L from 'leaflet';
import type { PageConfig } from './api.js';

interface CityProps {
  centre: { lat: number; lon: number };
  zoom: number;
}

export interface CityMap {
  map: L.Map;
  renderer: L.Canvas;
}

export function cityMap(el: HTMLElement, cfg: PageConfig): CityMap {
  const renderer = L.canvas({ padding: 0.2 });
  const map = L.map(el, { preferCanvas: true, renderer, zoomControl: true, attributionControl: Boolean(cfg.tileUrl) }).setView([52.52, 13.405], 12);
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
  void fetch('/web/city.json')
    .then((r) => r.json() as Promise<GeoJSON.FeatureCollection & { properties?: CityProps }>)
    .then((city) => {
      const geo = L.geoJSON(city, {
        interactive: false,
        style: (f) => {
          const kind = (f?.properties as { kind?: string } | undefined)?.kind;
          if (kind === 'cell') return { color: '#8a8fa3', weight: 1, dashArray: '4 4', fill: false, opacity: 0.5 };
          if (kind === 'road') return { color: '#c9b98f', weight: 4, opacity: 0.8 };
          return { color: '#b8c4d6', weight: 1, fillColor: '#e9eef5', fillOpacity: 0.6 };
        },
      }).addTo(map);
      // Drawn when it arrives, often after the page's own markers: put it underneath them,
      // last layer first, so the city keeps its own order (roads over districts).
      const layers = geo.getLayers();
      for (let i = layers.length - 1; i >= 0; i -= 1) (layers[i] as L.Path).bringToBack();
      for (const f of city.features) {
        const p = f.properties as { kind?: string; name?: string };
        if (p.kind !== 'district' || f.geometry.type !== 'Polygon') continue;
        const ring = f.geometry.coordinates[0] ?? [];
        const lats = ring.map((c) => c[1] ?? 0);
        const lons = ring.map((c) => c[0] ?? 0);
        const centre: L.LatLngTuple = [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
        L.marker(centre, { icon: L.divIcon({ className: 'district-label', html: p.name ?? '', iconSize: [120, 16] }), interactive: false, keyboard: false }).addTo(map);
      }
      map.getPane('overlayPane')?.classList.add('city-ready');
      el.dataset.city = 'ready';
    });
  return { map, renderer };
}
