import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderedSection, transitionsMarkdown } from './transitions-doc.js';
import { transitions } from './transitions.js';

const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');

describe('README.md, ride states', () => {
  it('holds exactly the rendering of the transitions table between its markers', () => {
    const section = renderedSection(readme);
    expect(section, 'README.md needs <!-- transitions:begin --> and <!-- transitions:end -->').not.toBeNull();
    // On a failure, paste the expected text between the markers.
    expect(section).toBe(transitionsMarkdown());
  });

  it('renders one row per transition, with the route or trigger from the function catalog', () => {
    const rows = transitionsMarkdown().split('\n').slice(2);
    expect(rows).toHaveLength(Object.keys(transitions).length);
    expect(rows.find((r) => r.startsWith('| `start` |'))).toBe(
      '| `start` | arrived → in_progress | assigned driver | `POST /api/v1/rides/{id}/start` | `ride.started` |',
    );
    expect(rows.find((r) => r.startsWith('| `expire` |'))).toContain('rides-sweep on `matching.tick`');
    expect(rows.find((r) => r.startsWith('| `request` |'))).toContain('| – → requested |');
  });

  it('finds no section when a marker is missing', () => {
    expect(renderedSection('no markers here')).toBeNull();
    expect(renderedSection('<!-- transitions:end --> x <!-- transitions:begin -->')).toBeNull();
  });
});
