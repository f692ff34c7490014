import { credsAuthenticator, ErrorCode, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import type { EnvFile } from '../config/env-vars';
import { isCertificateError } from '../config/tls-files';

/** How a service proves who it is to NATS: nothing, a creds file, user and password, a token, an NKey seed, or whatever NATS_URL carries. */
export type NatsCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'url' }
  | { readonly kind: 'creds'; readonly file: EnvFile }
  | { readonly kind: 'user'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'nkey'; readonly seed: string };

/** TLS towards NATS: required whenever this is set (never a fallback to plaintext). */
export interface NatsTlsSettings {
  /** CA certificates the server's certificate must chain to; the system's when undefined. */
  readonly ca: EnvFile | undefined;
  readonly clientCertificate: { readonly cert: EnvFile; readonly key: EnvFile } | undefined;
}

/** Credentials and TLS of a NATS connection (NATS_AUTH_ENV, read with natsTransportSettings). */
export interface NatsTransportSettings {
  readonly credentials: NatsCredentials;
  /** Undefined: plaintext, unless the server requires TLS (then verified against the system's CAs). */
  readonly tls: NatsTlsSettings | undefined;
  /** Prefix of reply subjects (NATS_INBOX_PREFIX), so a user may be allowed to subscribe to its own replies only. */
  readonly inboxPrefix: string | undefined;
}

export const NO_NATS_TRANSPORT: NatsTransportSettings = { credentials: { kind: 'none' }, tls: undefined, inboxPrefix: undefined };

/** The nats.js connection options for these settings (servers, name and timing are the caller's). */
export function natsConnectionOptions(settings: NatsTransportSettings): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  const { credentials, tls } = settings;
  if (credentials.kind === 'creds') options.authenticator = credsAuthenticator(new TextEncoder().encode(credentials.file.text));
  else if (credentials.kind === 'user') Object.assign(options, { user: credentials.user, pass: credentials.password });
  else if (credentials.kind === 'token') options.token = credentials.token;
  else if (credentials.kind === 'nkey') options.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.seed));
  if (settings.inboxPrefix !== undefined) options.inboxPrefix = settings.inboxPrefix;
  if (tls !== undefined) {
    // An object (even empty) makes nats.js require TLS; `tls://` alone would not refuse a plaintext server.
    options.tls = {
      ...(tls.ca === undefined ? {} : { ca: tls.ca.text }),
      ...(tls.clientCertificate === undefined ? {} : { cert: tls.clientCertificate.cert.text, key: tls.clientCertificate.key.text }),
    };
  }
  return options;
}

/** The variables that hold the credentials, for messages (never their values). */
export function credentialVariables(credentials: NatsCredentials): string {
  switch (credentials.kind) {
    case 'none':
      return 'no credentials';
    case 'url':
      return 'the user in NATS_URL';
    case 'creds':
      return `NATS_CREDS (${credentials.file.path})`;
    case 'user':
      return `NATS_USER "${credentials.user}" and NATS_PASSWORD`;
    case 'token':
      return 'NATS_TOKEN';
    case 'nkey':
      return 'NATS_NKEY_SEED';
  }
}

/** Why a connection attempt failed, and whether retrying can help. */
export interface NatsConnectProblem {
  /** A configuration problem (credentials refused, certificate not trusted, TLS not offered): retrying does not help. */
  readonly fatal: boolean;
  /** One sentence naming the variables to fix. */
  readonly message: string;
}

/** An error's message; nats.js wraps the server's `-ERR` text in single quotes, which are dropped. */
export function natsErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /^'.*'$/s.test(text) ? text.slice(1, -1) : text;
}

const errorText = natsErrorText;

/** Explains a failed connection attempt in terms of the NATS_* variables. */
export function explainConnectError(error: unknown, settings: NatsTransportSettings): NatsConnectProblem {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === ErrorCode.AuthorizationViolation || code === ErrorCode.AuthenticationExpired) {
    if (settings.credentials.kind === 'none') {
      return { fatal: true, message: `the NATS server requires credentials: set NATS_CREDS, NATS_NKEY_SEED, NATS_USER and NATS_PASSWORD, or NATS_TOKEN (${errorText(error)})` };
    }
    return { fatal: true, message: `the NATS server refused ${credentialVariables(settings.credentials)}: ${errorText(error)}` };
  }
  if (isCertificateError(error)) {
    const ca = settings.tls?.ca === undefined ? "the system's CAs (set NATS_TLS_CA_FILE to the CA that signed it)" : `the CA in NATS_TLS_CA_FILE (${settings.tls.ca.path})`;
    return { fatal: true, message: `the NATS server's certificate does not verify against ${ca}: ${errorText(error)}` };
  }
  if (code === ErrorCode.ServerOptionNotAvailable) {
    return { fatal: true, message: 'TLS is required (NATS_URL is tls:// or NATS_TLS_* is set) but the NATS server does not offer it; nothing is sent in plaintext' };
  }
  if (code === ErrorCode.Timeout && settings.tls?.clientCertificate !== undefined) {
    return { fatal: false, message: `${errorText(error)} (a server that refuses the client certificate in NATS_TLS_CERT_FILE closes the connection like this)` };
  }
  return { fatal: false, message: errorText(error) };
}
