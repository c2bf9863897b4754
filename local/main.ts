/**
 * `npm start`: the whole platform on this machine. scripts/start.sh has already made
 * sure PostgreSQL, Redis, RabbitMQ and FerretDB answer.
 */
import { join } from 'node:path';
import { config, exitOnConfigError, provideSettings } from '../platform/config.js';
import { closeClients } from '../platform/clients.js';
import { markDraining } from '../platform/health.js';
import { notifierConfig } from '../notifier/config.js';
import { availableParallelism } from 'node:os';
import { startPlatform } from './platform.js';
import { startClusteredPlatform } from './cluster.js';
import { onSignals } from '../platform/shutdown.js';
import { buildWeb } from '../functions/ops/build-web.js';
import { webSettings } from '../functions/ops/settings.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  try {
    config();
  } catch (err) {
    exitOnConfigError(err);
  }
  // The pages reach the notifier on their own host at NOTIFIER_PORT, wherever it was moved
  // (handed in code before any worker starts: the workers get the provided settings).
  provideSettings({ WEB_NOTIFIER_PORT: String(notifierConfig().NOTIFIER_PORT) }, { environmentWins: true });
  // The console and the rider/driver pages are served from their built scripts.
  await buildWeb(webSettings().WEB_ASSETS_DIR);
  const workers = config().LOCAL_WORKERS ?? availableParallelism();
  const common = {
    port: config().PORT,
    host: process.env.HOST ?? '127.0.0.1',
    internalPort: config().INTERNAL_PORT,
    keysDir: join(process.cwd(), '.local', 'keys'),
    log: (l: string) => say(`  ${l}`),
    eventing: { port: config().BROKER_PORT },
    notifier: { port: notifierConfig().NOTIFIER_PORT, eventsPort: notifierConfig().NOTIFIER_EVENTS_PORT },
  };
  const platform = workers > 1 ? await startClusteredPlatform({ ...common, workers }) : await startPlatform(common);
  say('');
  say(`MicroRide is up:`);
  say(`  API gateway   ${platform.url}`);
  say(`  OpenAPI       ${platform.url}/openapi.json`);
  say(`  Swagger UI    ${platform.url}/docs`);
  say(`  Console       ${platform.url}/ops   (admin accounts)`);
  say(`  Rider/driver  ${platform.url}/app/rider, ${platform.url}/app/driver`);
  say(`  Health        ${platform.url}/health/readiness`);
  say(`  Internal      ${platform.internalUrl}/_fn/<function>   (127.0.0.1 only: where the broker delivers events)`);
  if (platform.notifier) say(`  Websocket     ${platform.notifier.wsUrl}   (Sec-WebSocket-Protocol: bearer, <access token>; npm run watch -- --token …)`);
  if (platform.eventing) say(`  Broker        ${platform.eventing.brokerUrl}   (K_SINK of every function)`);
  say('Ctrl-C stops it.');

  onSignals({
    stopping: (signal) => say(`\n${signal}: stopping (finishing in-flight requests)…`),
    stopped: () => say('stopped.'),
    failed: (err) => process.stderr.write(`npm start: stopping failed: ${(err as Error).message}\n`),
    deadlineMs: config().SHUTDOWN_TIMEOUT_MS + 1_000,
    stop: () => {
      markDraining();
      return platform.close().then(closeClients);
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${(err as Error).message}\n`);
  process.exit(1);
});
