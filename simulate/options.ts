/** The simulator's command line, validated: each flag with its default and bounds. */
import { parseArgs } from 'node:util';
import { z } from 'zod';

const httpUrl = z.string().url().refine((u) => /^https?:/.test(u), 'must be an http(s) URL');
const wsUrl = z.string().url().refine((u) => /^wss?:/.test(u), 'must be a ws(s) URL');

export const optionsSchema = z.object({
  api: httpUrl.default('http://localhost:8080'),
  ws: wsUrl.default('ws://localhost:8081/ws'),
  drivers: z.coerce.number().int().min(1).max(5_000).default(200),
  riders: z.coerce.number().int().min(1).max(10_000).default(400),
  minutes: z.coerce.number().positive().max(24 * 60).default(10),
  /** How many times faster than the wall clock the city lives. */
  speed: z.coerce.number().min(1).max(120).default(5),
  seed: z.string().min(1).max(64).default('1'),
  /** Hour of the simulated day the run starts at. */
  startHour: z.coerce.number().min(0).max(23.99).default(7.5),
  /** Real seconds between a driver's location pings; the platform takes at most one a second. */
  pingSeconds: z.coerce.number().min(1.2).max(25).default(3),
  /** Accounts signed up at once during set-up (each costs the platform a password hash). */
  setupConcurrency: z.coerce.number().int().min(1).max(64).default(8),
  /** Real seconds rides under way may take to finish once --minutes are over. */
  drainSeconds: z.coerce.number().min(0).max(600).default(30),
  json: z.boolean().default(false),
});

export type Options = z.infer<typeof optionsSchema>;

export const FLAGS = {
  api: 'API base URL (the gateway)',
  ws: "notifier websocket URL",
  drivers: 'drivers',
  riders: 'riders',
  minutes: 'real minutes to simulate after set-up',
  speed: 'simulated seconds per real second',
  seed: 'seed of the city model (same seed, same city and accounts)',
  'start-hour': 'hour of the simulated day at the start',
  'ping-seconds': "real seconds between a driver's location pings (≥ 1.2)",
  'setup-concurrency': 'accounts signed up at once',
  'drain-seconds': 'real seconds rides under way may take to finish at the end',
  json: 'print the summary as JSON on stdout',
} as const;

export const usage = (): string =>
  ['usage: npm run simulate -- [flags]', ...Object.entries(FLAGS).map(([k, v]) => `  --${k}${k === 'json' ? '' : ' <value>'}  ${v}`)].join('\n');

/** Parses argv; throws with the flag named on a bad value. */
export function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).filter((k) => k !== 'json').map((k) => [k, { type: 'string' as const }])),
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const camel = Object.fromEntries(
    Object.entries(values)
      .filter(([k]) => k !== 'help')
      .map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
  const parsed = optionsSchema.safeParse(camel);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new Error(`--${flag}: ${issue.message}`);
  }
  return parsed.data;
}
