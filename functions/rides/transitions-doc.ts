/**
 * README.md's table of ride states, rendered from the transitions table; a unit test
 * (transitions-doc.test.ts) keeps the README's copy, between TRANSITIONS_BEGIN and
 * TRANSITIONS_END, equal to it. Each transition's route or trigger comes from the function
 * catalog, so neither is written twice.
 */
import { findFunction } from '../../contracts/catalog.js';
import { transitions } from './transitions.js';

export const TRANSITIONS_BEGIN = '<!-- transitions:begin -->';
export const TRANSITIONS_END = '<!-- transitions:end -->';

const short = (type: string) => type.replace(/^microride\./, '');

/** `POST /api/v1/rides/{id}/start`, or the event function and what it is sent. */
function trigger(fn: string): string {
  const spec = findFunction(fn);
  if (spec.kind === 'http') return `\`${spec.method.toUpperCase()} ${spec.path}\``;
  const on = [...spec.subscriptions.map((s) => s.filter.type ?? ''), ...(spec.accepts ?? [])].filter(Boolean);
  return `${fn} on ${on.map((t) => `\`${short(t)}\``).join(', ')}`;
}

/** The transitions table as markdown, one row per transition, in the table's order. */
export function transitionsMarkdown(): string {
  const rows = Object.entries(transitions).map(
    ([name, t]) =>
      `| \`${name}\` | ${t.from.length > 0 ? t.from.join(', ') : '–'} → ${t.to} | ${t.who} | ${trigger(t.fn)} | \`${short(t.event)}\` |`,
  );
  return ['| transition | from → to | who | endpoint or trigger | event |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** What README.md holds between the markers (trimmed), or null when a marker is missing. */
export function renderedSection(readme: string): string | null {
  const begin = readme.indexOf(TRANSITIONS_BEGIN);
  const end = readme.indexOf(TRANSITIONS_END);
  if (begin < 0 || end < begin) return null;
  return readme.slice(begin + TRANSITIONS_BEGIN.length, end).trim();
}
