/**
 * The console's only way to the policy service: same-origin fetch with the admin key as a bearer
 * token. Every non-2xx answer becomes an ApiError carrying the service's `{ error, message, fields }`
 * body, so forms can show each field's message next to the field.
 */

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The body's machine-readable `error` (`validation_failed`, `precondition_failed`, ...), or `network`. */
    readonly code: string,
    message: string,
    readonly fields: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as `If-Match: <version>`. */
  readonly ifMatch?: number;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export class Api {
  constructor(
    private readonly options: {
      readonly token: string;
      /** Called on a 401: the key was revoked or is wrong; the app signs out. */
      readonly onUnauthorized: () => void;
      readonly fetch?: Fetch;
      readonly baseUrl?: string;
    },
  ) {}

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  put<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<void> {
    return this.request<void>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = String(options.ifMatch);
    const url = `${this.options.baseUrl ?? ''}${path}${queryString(options.query)}`;
    const doFetch = this.options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    let response: Response;
    try {
      response = await doFetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (error) {
      throw new ApiError(0, 'network', `the policy service is unreachable (${error instanceof Error ? error.message : String(error)})`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const body = parseJson(text);
    if (response.ok) return body as T;
    if (response.status === 401) this.options.onUnauthorized();
    throw toApiError(response.status, body);
  }
}

/** `?a=1&b=x` from the defined entries, encoded; '' when none. */
export function queryString(query: RequestOptions['query']): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The service's error body as an ApiError; tolerant of bodies that are not the usual shape (proxies). */
export function toApiError(status: number, body: unknown): ApiError {
  const shaped = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; fields?: unknown };
  const code = typeof shaped.error === 'string' ? shaped.error : `http_${status}`;
  const message = typeof shaped.message === 'string' ? shaped.message : typeof body === 'string' && body !== '' ? body.slice(0, 300) : `HTTP ${status}`;
  const fields = Array.isArray(shaped.fields)
    ? shaped.fields.filter((f): f is FieldError => typeof f === 'object' && f !== null && typeof f.path === 'string' && typeof f.message === 'string')
    : [];
  return new ApiError(status, code, message, fields);
}

/** A caught value as words for an error banner. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.message} (HTTP ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}
