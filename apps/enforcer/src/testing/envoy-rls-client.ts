import { Client, credentials, Metadata, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadRlsDefinition, RLS_PROTO_DIR, RLS_SERVICE_NAME, type RateLimitDescriptorMessage, type RateLimitResponseMessage } from '../envoy/rls-proto';

/** A ShouldRateLimit request as a client writes it: unset fields may be left out. */
export interface RlsRequestInput {
  readonly domain: string;
  readonly descriptors: readonly {
    readonly entries: readonly { readonly key: string; readonly value: string }[];
    readonly limit?: { readonly requests_per_unit: number; readonly unit: string } | RateLimitDescriptorMessage['limit'];
    readonly hits_addend?: RateLimitDescriptorMessage['hits_addend'];
  }[];
  readonly hits_addend?: number;
}

/** A ShouldRateLimit response as decoded (every field present, unset ones at their defaults). */
export type RlsResponse = RateLimitResponseMessage;

/**
 * A gRPC client of Envoy's RateLimitService, generated at run time from the same public protos the
 * enforcer serves (apps/enforcer/proto), for tests and benchmarks. Rejects with the grpc-js
 * ServiceError (`code`, `details`) of a failed call.
 */
export class RlsTestClient {
  private readonly client: Client;
  private readonly method: MethodDefinition<RlsRequestInput, RlsResponse>;

  constructor(address: string, protoDir: string = RLS_PROTO_DIR) {
    const service = loadRlsDefinition(protoDir)[RLS_SERVICE_NAME] as unknown as Record<string, MethodDefinition<RlsRequestInput, RlsResponse>>;
    this.method = service.ShouldRateLimit;
    this.client = new Client(address, credentials.createInsecure());
  }

  shouldRateLimit(request: RlsRequestInput, options: { deadlineMs?: number } = {}): Promise<RlsResponse> {
    return this.unary(this.method.requestSerialize, request, options.deadlineMs);
  }

  /** Sends `bytes` as the request message, unchecked: for malformed-request tests. */
  sendRaw(bytes: Buffer, options: { deadlineMs?: number } = {}): Promise<RlsResponse> {
    return this.unary((b: Buffer) => b, bytes, options.deadlineMs);
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(serialize: (value: T) => Buffer, request: T, deadlineMs = 10_000): Promise<RlsResponse> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        this.method.path,
        serialize,
        this.method.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error: ServiceError | null, response?: RlsResponse) => {
          if (error !== null) reject(error);
          else if (response === undefined) reject(new Error('ShouldRateLimit answered without a message'));
          else resolve(response);
        },
      );
    });
  }
}
