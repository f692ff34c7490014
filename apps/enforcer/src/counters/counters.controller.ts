import { Controller, Get, HttpException, NotFoundException, Query, ServiceUnavailableException, UnauthorizedException, UseGuards, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { CounterQueryDto, toFieldErrors, type CounterStateView } from '@rl/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { EnforcerConfig } from '../config/enforcer-config';
import { CounterInspector, CounterUnavailableError, UnknownPolicyError } from './counter-inspector.service';

/**
 * Internal routes are the policy service's, not the public's: a Bearer INTERNAL_API_TOKEN, compared
 * in constant time. Without a configured token they do not exist (404).
 */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(config: EnforcerConfig) {
    this.expected = config.internalApiToken === undefined ? undefined : Buffer.from(config.internalApiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === undefined) throw new NotFoundException();
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== this.expected.length || !timingSafeEqual(given, this.expected)) throw new UnauthorizedException('a valid internal Bearer token is required');
    return true;
  }
}

/** `GET /internal/v1/counters`: one counter's state in this region (see CounterInspector). */
@Controller('internal/v1/counters')
@UseGuards(InternalTokenGuard)
export class CountersController {
  constructor(private readonly inspector: CounterInspector) {}

  @Get()
  async get(@Query() raw: Record<string, unknown>): Promise<CounterStateView> {
    const query = plainToInstance(CounterQueryDto, raw);
    const errors = toFieldErrors(validateSync(query, { forbidUnknownValues: false, whitelist: true, forbidNonWhitelisted: true }));
    if (errors.length > 0) throw new HttpException({ error: 'bad_request', field: errors[0].path, message: `${errors[0].path} ${errors[0].message}`, errors }, 400);
    try {
      return await this.inspector.inspect(query);
    } catch (error) {
      if (error instanceof UnknownPolicyError) throw new NotFoundException({ error: 'not_found', field: 'policyId', message: error.message });
      if (error instanceof CounterUnavailableError) throw new ServiceUnavailableException({ error: 'unavailable', message: error.message });
      throw error;
    }
  }
}
