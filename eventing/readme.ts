/**
 * The event and Trigger tables of eventing/README.md, from the event catalog, the function
 * catalog and the workloads (between the <!-- …:start --> / <!-- …:end --> markers; the
 * prose around them is hand-written). `npm run generate` (scripts/generate.ts) writes them.
 */
import { z } from 'zod';
import { consumersOf, directConsumersOf, eventCatalog, eventTypes, producersOf } from '../contracts/events.js';
import { allTriggers } from '../contracts/triggers.js';

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

/** A compact, readable type: `uuid`, `int ≥ 0`, `rider|driver`, `{lat, lon}`, `uuid[]`, `… | null`. */
function typeText(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeText).join(' \\| ');
  if (s.enum) return s.enum.map(String).join('\\|');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'null') return 'null';
  if (s.type === 'array') return `${s.items ? typeText(s.items) : 'any'}[]`;
  if (s.type === 'object') return `{${objectText(s)}}`;
  if (s.type === 'string') return s.format === 'date-time' ? 'ISO time' : (s.format ?? 'string');
  if (s.type === 'integer') {
    // zod bounds every int by the safe-integer range; only narrower bounds are worth showing.
    const min = s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER ? s.minimum : undefined;
    const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
    if (min !== undefined && max !== undefined) return `int ${min}–${max}`;
    if (min !== undefined) return `int ≥ ${min}`;
    return max !== undefined ? `int ≤ ${max}` : 'int';
  }
  return String(s.type ?? 'any');
}

function objectText(s: JsonSchema): string {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {})
    .map(([k, v]) => {
      const t = typeText(v);
      // Nested objects list their keys only; the field list stays one line.
      const short = v.type === 'object' ? `{${Object.keys(v.properties ?? {}).join(', ')}}` : t;
      return `${k}${required.has(k) ? '' : '?'}: ${short}`;
    })
    .join(', ');
}

const list = (names: string[]) => (names.length ? names.map((n) => `\`${n}\``).join(', ') : '—');

export function renderEventTable(): string {
  const rows = eventTypes.map((type) => {
    const schema = z.toJSONSchema(eventCatalog[type].schema, { io: 'input' }) as JsonSchema;
    const fields = objectText(schema) || '(none)';
    // A type sent straight to a function (no Trigger) says so: it never crosses the broker.
    const direct = directConsumersOf(type).map((n) => `\`${n}\` (called directly)`);
    const consumers = [...(consumersOf(type).length ? [list(consumersOf(type))] : []), ...direct].join(', ') || '—';
    return `| \`${type}\` | ${eventCatalog[type].description} | ${fields} | ${list(producersOf(type))} | ${consumers} |`;
  });
  return ['| type | what happened | data | producers | consumers |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function renderTriggerTable(): string {
  const triggers = allTriggers();
  if (!triggers.length) return '_No event function subscribes to anything yet._';
  const rows = triggers.map((t) => {
    const filter = Object.entries(t.filter).map(([k, v]) => `${k}=${v}`).join(', ') || '(all events)';
    const d = t.delivery;
    return `| \`${t.name}\` | ${filter} | \`${t.subscriber}\` | ${d.retry} × ${d.backoffPolicy} ${d.backoffDelay} | ${t.parallelism} | ${t.deadLetterSink ? `\`${t.deadLetterSink}\`` : '—'} |`;
  });
  return ['| trigger | filter | subscriber | retry | parallelism | dead letters |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`eventing/README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}

export function renderReadme(current: string): string {
  return replaceBetween(replaceBetween(current, 'events', renderEventTable()), 'triggers', renderTriggerTable());
}
