import { Injectable } from '@nestjs/common';
import { CheckService } from '../check/check.service';
import type { RateLimitRequestMessage, RateLimitResponseMessage } from './rls-proto';
import { mapRateLimitRequest } from './rls-request';
import { formatRateLimitResponse } from './rls-response';

/**
 * `ShouldRateLimit`: every descriptor is decided by the CheckService, exactly like a
 * `POST /v1/check` (blocks, policy resolution, failure modes and fallback all apply), all of them
 * counted even when one is over its limit, as Envoy's reference service does.
 *
 * Throws RlsInvalidArgumentError for a bad request (before any counter is touched) and
 * RlsUnavailableError for a fail-closed descriptor the store could not count; the gRPC edge
 * turns them into status codes.
 */
@Injectable()
export class EnvoyRateLimitService {
  constructor(private readonly checks: CheckService) {}

  async shouldRateLimit(message: RateLimitRequestMessage): Promise<RateLimitResponseMessage> {
    const requests = mapRateLimitRequest(message);
    // CheckService notes each decision as on the HTTP route: automatic blocks, decision events.
    const replies = await Promise.all(requests.map((request) => this.checks.check(request)));
    return formatRateLimitResponse(replies);
  }
}
