/**
 * A local stand-in for the cluster's service-account issuer (the Kubernetes API server's
 * OIDC discovery document and key set), on 127.0.0.1: what Knative Eventing's senders get
 * their tokens from, so tests can mint the tokens a dispatcher would send.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

export interface LocalIssuer {
  /** http://127.0.0.1:<port>: the `iss` of its tokens and the base of its discovery document. */
  issuer: string;
  /** A token like the one a Trigger's dispatcher sends to `audience`. */
  token(audience: string, opts?: { expiresIn?: string | number; subject?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalIssuer(): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/openid/v1/jwks` }));
    } else if (req.url === '/openid/v1/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (key: CryptoKey, audience: string, opts: { expiresIn?: string | number; subject?: string }) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(opts.subject ?? 'system:serviceaccount:microride:oidc-trigger')
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(key);
  return {
    issuer,
    token: (audience, opts = {}) => sign(privateKey, audience, opts),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
