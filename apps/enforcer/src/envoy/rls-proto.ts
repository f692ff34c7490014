import { join } from 'node:path';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The public Envoy protos, kept in the repository as data (apps/enforcer/proto, see its README).
 * `../../proto` from this file: apps/enforcer/proto in the sources, dist/apps/enforcer/proto once
 * built (tools/build.js copies them beside the compiled code).
 */
export const RLS_PROTO_DIR = join(__dirname, '..', '..', 'proto');

export const RLS_PROTO_FILE = 'envoy/service/ratelimit/v3/rls.proto';

/** Full name of the service inside the package definition. */
export const RLS_SERVICE_NAME = 'envoy.service.ratelimit.v3.RateLimitService';

/**
 * How messages are turned into JS objects, on both ends (the server here, the test clients):
 * proto field names as they are (`hits_addend`), enums as their names, unset scalars as their
 * defaults, unset messages as `null`, repeated fields always arrays.
 */
export const RLS_LOADER_OPTIONS: Options = {
  keepCase: true,
  enums: String,
  longs: Number,
  defaults: true,
  arrays: true,
  oneofs: false,
  includeDirs: [RLS_PROTO_DIR],
};

/** Loads `rls.proto` and everything it imports (the well-known google.protobuf types come with proto-loader). */
export function loadRlsDefinition(protoDir: string = RLS_PROTO_DIR): PackageDefinition {
  return loadSync(RLS_PROTO_FILE, { ...RLS_LOADER_OPTIONS, includeDirs: [protoDir] });
}

/** `envoy.type.v3.RateLimitUnit` / `RateLimitResponse.RateLimit.Unit` names. */
export type RateLimitUnitName = 'UNKNOWN' | 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH' | 'YEAR';

/** `RateLimitResponse.Code` names. */
export type RateLimitCodeName = 'UNKNOWN' | 'OK' | 'OVER_LIMIT';

/**
 * `envoy.service.ratelimit.v3.RateLimitRequest` as decoded with RLS_LOADER_OPTIONS. An enum value
 * this proto version does not name arrives as its number.
 */
export interface RateLimitRequestMessage {
  readonly domain: string;
  readonly descriptors: readonly RateLimitDescriptorMessage[];
  /** 0 means unset: one hit. */
  readonly hits_addend: number;
}

export interface RateLimitDescriptorMessage {
  readonly entries: readonly { readonly key: string; readonly value: string }[];
  /** RateLimitOverride; `null` when the descriptor carries none. */
  readonly limit: { readonly requests_per_unit: number; readonly unit: RateLimitUnitName | number } | null;
  /**
   * The descriptor's own hits_addend (field 3, a google.protobuf.UInt64Value): when set, it
   * overrides the request's for this descriptor. `null` when unset; absent from messages built in
   * code by senders that predate the field.
   */
  readonly hits_addend?: { readonly value: number } | null;
}

/** `envoy.service.ratelimit.v3.RateLimitResponse`, as the server sends it (fields not listed stay unset). */
export interface RateLimitResponseMessage {
  readonly overall_code: RateLimitCodeName;
  readonly statuses: readonly DescriptorStatusMessage[];
  readonly response_headers_to_add: readonly { readonly key: string; readonly value: string }[];
}

export interface DescriptorStatusMessage {
  readonly code: RateLimitCodeName;
  /** `unit` is a name, or 7 for WEEK, which newer protos define and this copy predates (sent as its number). */
  readonly current_limit: { readonly name: string; readonly requests_per_unit: number; readonly unit: RateLimitUnitName | number } | null;
  readonly limit_remaining: number;
  /** `null` (unset) for a descriptor no rule counts, as envoyproxy/ratelimit leaves it. */
  readonly duration_until_reset: { readonly seconds: number; readonly nanos: number } | null;
}
