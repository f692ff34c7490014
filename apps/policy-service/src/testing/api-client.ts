import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  /** JSON-encoded unless it is a string (sent as is, for malformed bodies). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Requests through Fastify's inject, with a bearer token. */
export class ApiClient {
  constructor(
    private readonly app: NestFastifyApplication,
    private readonly token: string | undefined,
  ) {}

  as(token: string | undefined): ApiClient {
    return new ApiClient(this.app, token);
  }

  async send(request: ApiRequest): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...request.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    }
    const response = await this.app.inject({ method: request.method, url: request.url, headers, payload });
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      json: <T>() => JSON.parse(response.body) as T,
    };
  }

  get(url: string, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.send({ method: 'GET', url, headers });
  }

  post(url: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.send({ method: 'POST', url, body, headers });
  }

  put(url: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.send({ method: 'PUT', url, body, headers });
  }

  delete(url: string, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.send({ method: 'DELETE', url, headers });
  }
}
