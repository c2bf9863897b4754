/**
 * GET /api/v1/users/me with a valid token through the local gateway (token verified
 * locally + one Redis round trip), and login (deliberately slow scrypt) for contrast.
 * Load: autocannon, 10 s at 50 connections, three runs; medians reported.
 */
import autocannon from 'autocannon';
import { startPlatformProcess } from './platform-process.js';
import { median, type BenchResult } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export default async function run(): Promise<BenchResult[]> {
  const platform = await startPlatformProcess({ LOGIN_RATE_LIMIT: '100000000' });
  try {
    const email = `bench-${Date.now()}@example.test`;
    const password = 'benchmark password';
    const headers = { 'content-type': 'application/json' };
    const reg = await fetch(`${platform.url}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email, password, name: 'Bench', role: 'rider' }) });
    if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${await reg.text()}`);
    const login = await fetch(`${platform.url}/api/v1/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password }) });
    const { accessToken } = (await login.json()) as { accessToken: string };

    const me: autocannon.Result[] = [];
    for (let i = 0; i < RUNS; i++) {
      process.stderr.write(`  users/me run ${i + 1}/${RUNS} (${DURATION} s, 50 connections)\n`);
      const r = await load({ url: `${platform.url}/api/v1/users/me`, connections: 50, duration: DURATION, headers: { authorization: `Bearer ${accessToken}` } });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`users/me: ${r.non2xx} non-2xx, ${r.errors} errors`);
      me.push(r);
    }
    process.stderr.write(`  login run (5 s, 8 connections)\n`);
    const lg = await load({ url: `${platform.url}/api/v1/auth/login`, method: 'POST', connections: 8, duration: 5, headers, body: JSON.stringify({ email, password }) });
    if (lg.non2xx > 0) throw new Error(`login: ${lg.non2xx} non-2xx`);

    return [
      {
        name: 'users-me',
        figures: {
          reqPerSec: Math.round(median(me.map((r) => r.requests.average))),
          p50Ms: median(me.map((r) => r.latency.p50)),
          p99Ms: median(me.map((r) => r.latency.p99)),
          runs: RUNS,
        },
        targets: { reqPerSec: '>= 8000', p99Ms: '< 20' },
        notes: `autocannon ${DURATION}s × ${RUNS}, 50 connections, the npm start platform (gateway workers, one per core, with every function; LOG_LEVEL=warn); load generator in the bench process`,
      },
      {
        name: 'login',
        figures: { reqPerSec: Math.round(lg.requests.average), p50Ms: lg.latency.p50, p99Ms: lg.latency.p99 },
        notes: 'scrypt N=2^15 by design (~50 ms of CPU per login); 8 connections, 5 s',
      },
    ];
  } finally {
    await platform.stop();
  }
}
