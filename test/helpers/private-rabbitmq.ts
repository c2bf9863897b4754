/**
 * A RabbitMQ node of its own for one test file, so a fault test can crash it (`kill -9` of
 * its Erlang VM) without touching the machine's shared node that every other test uses.
 *
 * The node gets a unique name, free AMQP and distribution ports, no plugins (no management
 * or prometheus listener to collide on), and its data, logs, config and Erlang cookie in a
 * temporary directory owned by the `rabbitmq` user; it runs as that user
 * (`runuser -u rabbitmq`), like the machine's node. It shares only epmd, which any node
 * registers with and which outlives them. `crash()` kills exactly this node's VM (its PID
 * from RABBITMQ_PID_FILE, checked against the node name in its environment) and `start()`
 * boots it again on the same data directory, so durable queues and persistent messages
 * come back as they would after a real crash. The tests run as root (as rabbitmqctl does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { connect } from 'amqplib';
import { freePort } from './free-port.js';

const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface PrivateRabbit {
  readonly nodeName: string;
  readonly amqpPort: number;
  readonly amqpUrl: string;
  readonly dir: string;
  /** PID of the running node's Erlang VM (beam.smp); undefined while it is down. */
  readonly pid: number | undefined;
  /** Boots the node (again, on the same data) and resolves once an AMQP client can connect. */
  start(timeoutMs?: number): Promise<void>;
  /** kill -9 of the node's VM; resolves once the process is gone and the port is closed. */
  crash(): Promise<void>;
  /** Kills the node (if up) and removes its directory. */
  destroy(): Promise<void>;
}

/** Two distinct free ports (the OS could hand out the same one twice in a row). */
async function twoFreePorts(): Promise<[number, number]> {
  const a = await freePort();
  for (;;) {
    const b = await freePort();
    if (b !== a) return [a, b];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is the VM of node `nodeName` (and not a PID the OS has since reused). */
function isOurVm(pid: number, nodeName: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.includes(`RABBITMQ_NODENAME=${nodeName}`);
  } catch {
    return false;
  }
}

async function amqpAnswers(url: string): Promise<boolean> {
  try {
    const c = await connect(url, { timeout: 2_000 });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

function rabbitmqUid(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'rabbitmq'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'rabbitmq'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function createPrivateRabbit(label = 'fault'): Promise<PrivateRabbit> {
  if (process.getuid?.() !== 0) throw new Error('a private RabbitMQ node needs root (runuser -u rabbitmq)');
  const nodeName = `mr-${label}-${process.pid}-${randomBytes(3).toString('hex')}@localhost`;
  const [amqpPort, distPort] = await twoFreePorts();
  const dir = mkdtempSync(join(tmpdir(), 'microride-rabbit-'));
  const { uid, gid } = rabbitmqUid();
  const confFile = join(dir, 'rabbitmq.conf');
  writeFileSync(confFile, `listeners.tcp.default = 127.0.0.1:${amqpPort}\n`);
  // Empty: no management (15672) or prometheus (15692) listener to collide with the shared node's.
  writeFileSync(join(dir, 'enabled_plugins'), '');
  // Empty: /etc/rabbitmq/rabbitmq-env.conf names the shared node.
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  for (const f of ['', 'rabbitmq.conf', 'enabled_plugins', 'rabbitmq-env.conf']) chownSync(join(dir, f), uid, gid);
  const pidFile = join(dir, 'node.pid');
  const env: Record<string, string> = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    // The node writes its Erlang cookie here on first boot; nothing else reads it.
    HOME: dir,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const amqpUrl = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  let child: ChildProcess | undefined;
  let vmPid: number | undefined;
  let output = '';
  let destroyed = false;

  const killVm = () => {
    if (vmPid !== undefined && alive(vmPid) && isOurVm(vmPid, nodeName)) process.kill(vmPid, 'SIGKILL');
  };
  // If the test process dies first, do not leave a node behind.
  const onExit = () => killVm();
  process.on('exit', onExit);

  const node: PrivateRabbit = {
    nodeName,
    amqpPort,
    amqpUrl,
    dir,
    get pid() {
      return vmPid;
    },
    async start(timeoutMs = 60_000) {
      if (destroyed) throw new Error('node destroyed');
      if (vmPid !== undefined && alive(vmPid)) throw new Error(`node ${nodeName} is already running (pid ${vmPid})`);
      rmSync(pidFile, { force: true });
      output = '';
      const c = spawn('runuser', ['-u', 'rabbitmq', '--', SERVER_SCRIPT], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      const keep = (b: Buffer) => {
        output = (output + b.toString('utf8')).slice(-4_000);
      };
      c.stdout?.on('data', keep);
      c.stderr?.on('data', keep);
      let exited = false;
      c.once('exit', () => {
        exited = true;
      });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`RabbitMQ node ${nodeName} exited during boot:\n${output}`);
        if (Date.now() > deadline) {
          killVm();
          throw new Error(`RabbitMQ node ${nodeName} did not accept AMQP within ${timeoutMs} ms:\n${output}`);
        }
        if (vmPid === undefined || !alive(vmPid)) {
          try {
            const pid = Number(readFileSync(pidFile, 'utf8').trim());
            vmPid = pid > 0 && isOurVm(pid, nodeName) ? pid : undefined;
          } catch {
            vmPid = undefined;
          }
        }
        // Positive readiness: the AMQP listener opens last in the boot, and we log in on it.
        if (vmPid !== undefined && (await amqpAnswers(amqpUrl))) return;
        await sleep(250);
      }
    },
    async crash() {
      const pid = vmPid;
      if (pid === undefined || !alive(pid)) throw new Error(`node ${nodeName} is not running`);
      if (!isOurVm(pid, nodeName)) throw new Error(`pid ${pid} is not node ${nodeName}'s VM`);
      const wrapperGone = child && child.exitCode === null && child.signalCode === null ? once(child, 'exit') : Promise.resolve();
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(20);
      await wrapperGone;
      vmPid = undefined;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (vmPid !== undefined && alive(vmPid)) await node.crash().catch(() => undefined);
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return node;
}
