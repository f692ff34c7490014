import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SIGNATURE_HEADER, SnapshotView } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { ApiErrors } from '../http/api-errors.decorator';
import { SnapshotService } from './snapshot.service';

const encoder = new TextEncoder();

/** `GET /v1/policies/snapshot`: a static route, so it is never taken for the policy id "snapshot" (a reserved id). */
@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class SnapshotController {
  constructor(
    private readonly snapshots: SnapshotService,
    private readonly config: PolicyServiceConfig,
  ) {}

  /**
   * The body is serialised here, once, and sent as those bytes: the `rl-signature` header signs
   * exactly them (contracts `signed-envelope.ts`, purpose `policy-snapshot`), so enforcers can
   * verify the body they received and keep `header + "\n" + body` as a signed envelope.
   */
  @Get('snapshot')
  @Roles('viewer', 'enforcer')
  @ApiOperation({ summary: 'Everything enforcers need, as of one control revision; later changes arrive on NATS as revision + 1, ...' })
  @ApiOkResponse({
    type: SnapshotView,
    headers: { [SIGNATURE_HEADER]: { description: '`RLSIG1 <keyId> <Ed25519 signature, base64url>` over the exact body bytes (purpose policy-snapshot)', schema: { type: 'string' } } },
  })
  @ApiErrors()
  async snapshot(@Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const body = encoder.encode(JSON.stringify(await this.snapshots.snapshot()));
    void reply.header('content-type', 'application/json; charset=utf-8').header(SIGNATURE_HEADER, this.config.policySigner.signatureLine('policy-snapshot', body));
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}
