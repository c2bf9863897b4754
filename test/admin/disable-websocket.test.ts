/**
 * Disabling a user closes their open websockets at once (the revocation channel the
 * notifier listens on), and the notifier refuses their token afterwards: the accounts
 * functions and the real notifier, on Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../contracts/catalog.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { CloseCode } from '../../notifier/connections.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';
import { registerAndLogin } from '../helpers/users.js';
import { connect, UpgradeRefused } from '../notifier/helpers.js';
import { call } from '../rides/client.js';
import { newAdmin } from './helpers.js';

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ port: 0, eventing: false, notifier: {}, functions: catalog.filter((f) => f.service === 'accounts') });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await cleanupStores();
  await closeClients();
});

describe('disabling a user with an open websocket', () => {
  it('closes it with TOKEN_REVOKED and refuses the next upgrade; another user’s socket stays open', async () => {
    const wsUrl = platform.notifier!.wsUrl;
    const admin = await newAdmin(platform.url);
    const rider = await registerAndLogin(platform.url, 'rider');
    const bystander = await registerAndLogin(platform.url, 'rider');
    const socket = await connect(wsUrl, rider.accessToken);
    const other = await connect(wsUrl, bystander.accessToken);
    try {
      expect((await call(platform.url, 'POST', `/api/v1/admin/users/${rider.user.id}/disable`, admin)).status).toBe(200);
      expect(await socket.closed).toMatchObject({ code: CloseCode.TOKEN_REVOKED });
      const refused = await connect(wsUrl, rider.accessToken).then(
        (c) => (c.close(), undefined),
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(UpgradeRefused);
      expect(other.ws.readyState).toBe(other.ws.OPEN);
    } finally {
      socket.close();
      other.close();
    }
  });
});
