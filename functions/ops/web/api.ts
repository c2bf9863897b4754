/**
 * What every page shares: its settings, the signed-in session (kept in sessionStorage, per
 * tab), calls to the public API with a refresh on an expired token, and a websocket to the
 * notifier that reconnects by itself.
 */
export interface PageConfig {
  notifierUrl: string | null;
  notifierPort?: number;
  tileUrl: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'rider' | 'driver' | 'admin';
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

export function pageConfig(): PageConfig {
  const el = document.getElementById('config');
  return JSON.parse(el?.textContent ?? '{}') as PageConfig;
}

/** The notifier's base URL: the setting, or this host on the notifier's port (8081 under a plain `npm start`). */
export function notifierBase(cfg: PageConfig = pageConfig()): string {
  if (cfg.notifierUrl) return cfg.notifierUrl.replace(/\/$/, '');
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${cfg.notifierPort ?? 8081}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { detail?: string; title?: string; errors?: { path: string; message: string }[] } & Record<string, unknown>,
  ) {
    super(body.detail ?? body.title ?? `HTTP ${status}`);
  }
}

export class Client {
  session: Session | null;
  private refreshing: Promise<boolean> | undefined;

  constructor(private readonly storageKey: string) {
    const saved = sessionStorage.getItem(storageKey);
    this.session = saved ? (JSON.parse(saved) as Session) : null;
  }

  private save(s: Session | null): void {
    this.session = s;
    if (s) sessionStorage.setItem(this.storageKey, JSON.stringify(s));
    else sessionStorage.removeItem(this.storageKey);
  }

  async login(email: string, password: string): Promise<Session> {
    const s = await this.call<Session>('POST', '/api/v1/auth/login', { email, password }, { auth: false });
    this.save(s);
    return s;
  }

  async register(email: string, password: string, name: string, role: 'rider' | 'driver'): Promise<Session> {
    await this.call('POST', '/api/v1/auth/register', { email, password, name, role }, { auth: false });
    return this.login(email, password);
  }

  logout(): void {
    const s = this.session;
    this.save(null);
    if (s) void fetch('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${s.accessToken}` } }).catch(() => undefined);
  }

  /** A fresh access token (refreshed once when the API said it expired). */
  async refresh(): Promise<boolean> {
    const s = this.session;
    if (!s) return false;
    this.refreshing ??= (async () => {
      try {
        const r = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s.refreshToken }) });
        if (!r.ok) return false;
        const next = (await r.json()) as Partial<Session>;
        this.save({ ...s, ...next, user: next.user ?? s.user } as Session);
        return true;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async call<T>(method: string, path: string, body?: unknown, opts: { auth?: boolean; headers?: Record<string, string> } = {}): Promise<T> {
    const send = () => {
      const headers: Record<string, string> = { ...opts.headers };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (opts.auth !== false && this.session) headers.authorization = `Bearer ${this.session.accessToken}`;
      return fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    };
    let r = await send();
    if (r.status === 401 && opts.auth !== false && (await this.refresh())) r = await send();
    const text = await r.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!r.ok) throw new ApiError(r.status, (parsed ?? { detail: text }) as ApiError['body']);
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

export interface SocketHandle {
  close(): void;
}

/**
 * A websocket to the notifier (`path`: /ws or /ops) with the token as sub-protocol,
 * reconnecting with a growing pause; on 4001 (token expired) it refreshes first. On /ws it
 * resumes with `since`, so nothing is missed across a reconnect.
 */
export function connect(
  client: Client,
  path: '/ws' | '/ops',
  onMessage: (msg: unknown) => void,
  onState: (state: 'open' | 'closed' | 'refused', detail?: string) => void,
): SocketHandle {
  let ws: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  let since: string | undefined;
  const open = () => {
    const token = client.session?.accessToken;
    if (!token || stopped) return;
    const url = `${notifierBase()}${path}${path === '/ws' && since ? `?since=${encodeURIComponent(since)}` : ''}`;
    let opened = false;
    ws = new WebSocket(url, ['bearer', token]);
    ws.onopen = () => {
      opened = true;
      delay = 500;
      onState('open');
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: string };
      if (path === '/ws' && typeof msg.id === 'string') since = msg.id;
      onMessage(msg);
    };
    ws.onclose = (e) => {
      if (stopped) return;
      if (!opened) onState('refused');
      else onState('closed', `${e.code} ${e.reason}`);
      const again = () => setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
      if (e.code === 4001 || !opened) void client.refresh().finally(again);
      else if (e.code === 4003) onState('refused', 'session revoked; sign in again');
      else again();
    };
  };
  open();
  return {
    close() {
      stopped = true;
      ws?.close();
    },
  };
}

/** Tiny DOM helper: h('div', {class: 'x'}, child, 'text'). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void)> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (typeof v === 'boolean') {
      if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** Sign-in (and, for riders and drivers, sign-up) form; resolves with the session. */
export function loginForm(client: Client, opts: { title: string; roles: ('rider' | 'driver')[]; note?: string }): Promise<Session> {
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', id: 'login-error' });
    const email = h('input', { name: 'email', type: 'email', placeholder: 'email', required: true, autocomplete: 'username' });
    const password = h('input', { name: 'password', type: 'password', placeholder: 'password', required: true, autocomplete: 'current-password' });
    const name = h('input', { name: 'name', placeholder: 'name (to sign up)' });
    const form = h('form', { class: 'login', id: 'login' }, h('h1', {}, opts.title), opts.note ? h('p', {}, opts.note) : null, email, password);
    const submit = (kind: 'login' | 'register') => async (e: Event) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const s =
          kind === 'login'
            ? await client.login(email.value, password.value)
            : await client.register(email.value, password.value, name.value || email.value.split('@')[0] || 'New user', opts.roles[0] ?? 'rider');
        form.remove();
        resolve(s);
      } catch (err) {
        error.textContent = (err as Error).message;
      }
    };
    form.append(h('button', { type: 'submit', id: 'login-submit' }, 'Sign in'));
    form.addEventListener('submit', (e) => void submit('login')(e));
    if (opts.roles.length > 0) {
      form.append(name, h('button', { type: 'button', id: 'register-submit', onclick: (e: Event) => void submit('register')(e) }, 'Sign up'));
    }
    form.append(error);
    document.getElementById('root')?.append(form);
  });
}

export const fmtMoney = (m: { amount: number; currency: string } | undefined) => (m ? `${(m.amount / 100).toFixed(2)} ${m.currency}` : '–');
