import { describe, expect, it } from 'vitest';
import { handle } from './assets.js';
import { CITY, marketCells } from './city.js';
import { cellOf } from '../../platform/geo.js';

const built = (files: Record<string, string>) => ({ readBuilt: async (name: string) => files[name] });

describe('ops-assets handle', () => {
  it('serves a built script with its type', async () => {
    const a = await handle({ file: 'console.js' }, built({ 'console.js': 'void 0' }));
    expect(a).toEqual({ body: 'void 0', type: 'text/javascript; charset=utf-8' });
  });

  it('is 404 naming the build when the pages were not built', async () => {
    await expect(handle({ file: 'rider.js' }, built({}))).rejects.toMatchObject({ status: 404, detail: expect.stringContaining('npm run build') });
  });

  it('serves the city as GeoJSON: districts, roads and the market cells that cover it', async () => {
    const a = await handle({ file: 'city.json' }, built({}));
    const city = JSON.parse(a.body) as { features: { properties: { kind: string; name: string } }[] };
    const kinds = new Set(city.features.map((f) => f.properties.kind));
    expect([...kinds].sort()).toEqual(['cell', 'district', 'road']);
    const cells = city.features.filter((f) => f.properties.kind === 'cell').map((f) => f.properties.name);
    expect(cells).toEqual(marketCells());
    // Every corner and the centre of the city fall in a listed cell.
    const b = CITY.bounds;
    for (const [lat, lon] of [[b.minLat, b.minLon], [b.maxLat, b.maxLon], [b.minLat, b.maxLon], [b.maxLat, b.minLon], [CITY.centre.lat, CITY.centre.lon]] as const) {
      expect(cells).toContain(cellOf(lat, lon));
    }
  });
});
