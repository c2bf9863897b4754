/**
 * `npm run simulate`: a small simulated city playing against the public API and the
 * notifier's websocket (README, "Simulate a city"). The status line goes to stderr, the
 * summary to stdout (JSON with --json). Exit 0 after a run without errors, 1 with errors,
 * 2 on a bad flag or a failed set-up.
 */
import { parseOptions, usage } from './options.js';
import { simulate } from './run.js';
import { summaryText } from './summary.js';

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${usage()}\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}

try {
  const summary = await simulate(options, { status: process.stderr });
  process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryText(summary)}\n`);
  process.exit(summary.errors.total === 0 ? 0 : 1);
} catch (err) {
  process.stderr.write(`\nsimulation stopped: ${(err as Error).message}\n`);
  process.exit(2);
}
