import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it, expect } from 'vitest';
import { assertNative, isNativeUws, NativeModuleError, uWS } from '../../notifier/native.js';

const require = createRequire(import.meta.url);

describe('notifier: uWebSockets.js native module only', () => {
  it('runs on the native binary', () => {
    expect(isNativeUws(uWS)).toBe(true);
  });

  it('recognises the JavaScript fallback and refuses it', () => {
    const fallback: unknown = require('uWebSockets.js/dist/index.js');
    expect(isNativeUws(fallback)).toBe(false);
    expect(() => assertNative(fallback)).toThrow(NativeModuleError);
  });

  it('a process forced onto the fallback (UWS_USE_FALLBACK=1) fails at start with a clear error', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./notifier/native.ts')"], {
      cwd: process.cwd(),
      env: { ...process.env, UWS_USE_FALLBACK: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/native binary not loaded.*UWS_USE_FALLBACK=1/);
  });
});
