/**
 * The city the console and the pages draw without any tile server: its bounds, its
 * districts and main roads (rough outlines, good enough to find one's way on a map of
 * points), and the market cells (geohash-5, the cells surge is computed in) that cover it.
 * Served as GeoJSON by ops-assets (`/web/city.json`); the same coordinates as the README's
 * tour and the simulator-friendly centre, Berlin Mitte.
 */
import { geohashBounds, geohashEncode, MARKET_CELL_PRECISION } from '../../platform/geo.js';

export const CITY = {
  name: 'Berlin',
  centre: { lat: 52.52, lon: 13.405 },
  bounds: { minLat: 52.42, maxLat: 52.6, minLon: 13.22, maxLon: 13.58 },
  zoom: 12,
} as const;

/** [name, minLat, minLon, maxLat, maxLon]: rough rectangles, labels more than borders. */
const DISTRICTS: readonly [string, number, number, number, number][] = [
  ['Mitte', 52.505, 13.365, 52.54, 13.43],
  ['Prenzlauer Berg', 52.53, 13.4, 52.56, 13.45],
  ['Friedrichshain', 52.5, 13.43, 52.525, 13.48],
  ['Kreuzberg', 52.485, 13.37, 52.505, 13.45],
  ['Neukölln', 52.45, 13.42, 52.485, 13.47],
  ['Schöneberg', 52.47, 13.33, 52.5, 13.37],
  ['Charlottenburg', 52.5, 13.27, 52.53, 13.33],
  ['Wedding', 52.54, 13.33, 52.57, 13.39],
  ['Tiergarten', 52.505, 13.33, 52.525, 13.365],
];

/** [name, [lat, lon]…]: the main axes. */
const ROADS: readonly [string, [number, number][]][] = [
  ['Unter den Linden – Karl-Marx-Allee', [[52.5163, 13.3777], [52.517, 13.3889], [52.5219, 13.4132], [52.5186, 13.4372], [52.5155, 13.4556]]],
  ['Straße des 17. Juni', [[52.5125, 13.3225], [52.5145, 13.3501], [52.5163, 13.3777]]],
  ['Friedrichstraße', [[52.531, 13.3845], [52.5205, 13.3878], [52.5075, 13.3904], [52.4986, 13.3915]]],
  ['Schönhauser Allee', [[52.5255, 13.4121], [52.5405, 13.4125], [52.5555, 13.4135]]],
  ['Kurfürstendamm', [[52.5035, 13.3325], [52.5005, 13.3105], [52.4975, 13.2905]]],
  ['Sonnenallee', [[52.4965, 13.4205], [52.4835, 13.4415], [52.4705, 13.4625]]],
];

type Feature = { type: 'Feature'; properties: Record<string, string | number>; geometry: { type: string; coordinates: unknown } };

const ring = (minLat: number, minLon: number, maxLat: number, maxLon: number) => [[
  [minLon, minLat], [maxLon, minLat], [maxLon, maxLat], [minLon, maxLat], [minLon, minLat],
]];

/** The market cells (geohash-5) that cover the city's bounds. */
export function marketCells(): string[] {
  const { minLat, maxLat, minLon, maxLon } = CITY.bounds;
  const cells = new Set<string>();
  // A cell is ~4.9 × 4.9 km; stepping 2 km cannot skip one.
  for (let lat = minLat; lat <= maxLat + 0.02; lat += 0.018) {
    for (let lon = minLon; lon <= maxLon + 0.03; lon += 0.029) {
      cells.add(geohashEncode({ lat: Math.min(lat, maxLat), lon: Math.min(lon, maxLon) }, MARKET_CELL_PRECISION));
    }
  }
  return [...cells].sort();
}

/** The city as one GeoJSON FeatureCollection (kind: district | road | cell). */
export function cityGeoJson(): { type: 'FeatureCollection'; properties: typeof CITY; features: Feature[] } {
  const features: Feature[] = [];
  for (const cell of marketCells()) {
    const b = geohashBounds(cell);
    features.push({ type: 'Feature', properties: { kind: 'cell', name: cell }, geometry: { type: 'Polygon', coordinates: ring(b.minLat, b.minLon, b.maxLat, b.maxLon) } });
  }
  for (const [name, a, b, c, d] of DISTRICTS) {
    features.push({ type: 'Feature', properties: { kind: 'district', name }, geometry: { type: 'Polygon', coordinates: ring(a, b, c, d) } });
  }
  for (const [name, points] of ROADS) {
    features.push({ type: 'Feature', properties: { kind: 'road', name }, geometry: { type: 'LineString', coordinates: points.map(([lat, lon]) => [lon, lat]) } });
  }
  return { type: 'FeatureCollection', properties: CITY, features };
}
