/**
 * Loads uWebSockets.js and refuses to run on its JavaScript fallback.
 *
 * The @trufflesuite build picks `binaries/uws_<platform>_<arch>_<abi>.node` and, if that
 * does not load (wrong Node ABI, musl, missing file) or UWS_USE_FALLBACK is set, prints a
 * warning and quietly returns a `ws`-based emulation. That emulation has none of the memory
 * or latency properties the notifier is sized for, so a silent fallback would be a
 * production incident that looks like a working server.
 */
import uWS from 'uWebSockets.js';

export class NativeModuleError extends Error {
  constructor(detail: string) {
    super(
      `uWebSockets.js native binary not loaded (${detail}); the JavaScript fallback is refused. ` +
        `Need binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node for Node ${process.version}` +
        ' (unset UWS_USE_FALLBACK).',
    );
    this.name = 'NativeModuleError';
  }
}

/** True when `mod` is the compiled addon: its functions are native, not JavaScript. */
export function isNativeUws(mod: unknown): boolean {
  if (typeof mod !== 'object' || mod === null) return false;
  const app = (mod as { App?: unknown }).App;
  // The fallback's App is a plain JS function (its source is visible); the addon's is [native code].
  return typeof app === 'function' && /\[native code\]/.test(Function.prototype.toString.call(app));
}

export function assertNative(mod: unknown = uWS): void {
  if (!isNativeUws(mod)) {
    throw new NativeModuleError(process.env.UWS_USE_FALLBACK ? `UWS_USE_FALLBACK=${process.env.UWS_USE_FALLBACK}` : 'App is not native code');
  }
}

assertNative();

export { uWS };
export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
