import type { ErrorBody, LoginResponse } from '@ringcad/contracts';

export interface ApiResult<T> {
  status: number;
  body: T;
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const err = (body as Partial<ErrorBody> | null)?.error;
    super(`${method} ${path} → ${status}${err ? ` ${err.code}: ${err.message}` : ''}`);
  }

  get code(): string | undefined {
    return (this.body as Partial<ErrorBody> | null)?.error?.code;
  }
}

/**
 * The public HTTP contract as a client sees it. A signed-in client logs in again when its session
 * expires (sessions last hours; a demo runs for days).
 */
export class ApiClient {
  private token: string | null;

  private constructor(
    readonly baseUrl: string,
    private readonly credentials: { username: string; password: string } | null,
    token: string | null,
  ) {
    this.token = token;
  }

  static anonymous(baseUrl: string) {
    return new ApiClient(baseUrl, null, null);
  }

  /** A terminal: a fixed unit token, nothing to log in with. */
  static withToken(baseUrl: string, token: string) {
    return new ApiClient(baseUrl, null, token);
  }

  static async login(baseUrl: string, username: string, password: string) {
    const c = new ApiClient(baseUrl, { username, password }, null);
    await c.signIn();
    return c;
  }

  /** The current bearer token (for socket handshakes, which read it again on every reconnect). */
  currentToken(): string | null {
    return this.token;
  }

  async signIn(): Promise<void> {
    if (!this.credentials) return;
    const r = await this.send<LoginResponse>('POST', '/api/v1/auth/login', this.credentials, false);
    if (r.status !== 200) throw new ApiError('POST', '/api/v1/auth/login', r.status, r.body);
    this.token = r.body.accessToken;
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    auth: boolean,
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (a proxy's error page): keep the text for the error message
    }
    return { status: res.status, body: parsed as T };
  }

  /** Any status comes back; a 401 with credentials at hand triggers one fresh login and a retry. */
  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    let r = await this.send<T>(method, path, body, true);
    if (r.status === 401 && this.credentials) {
      await this.signIn();
      r = await this.send<T>(method, path, body, true);
    }
    return r;
  }

  /** Only the expected status is success; anything else throws an ApiError. */
  async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, body);
    if (r.status !== status) throw new ApiError(method, path, r.status, r.body);
    return r.body;
  }

  get<T>(path: string) {
    return this.expect<T>(200, 'GET', path);
  }
}
