import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, PermissionError } from '../errors/api-errors';
import { ACCESS_METADATA } from './access.decorator';
import { bearerToken } from './api-token';
import { ApiKeysService } from './api-keys.service';
import type { AuthenticatedRequest } from './principal';
import { roleAllowed, type Access } from './roles';

/**
 * Every route declares its access with @Roles or @Public; a route without either is refused
 * (fail closed). No or a bad token: 401. A token whose role the route does not admit: 403.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    if (access === undefined) throw new PermissionError('this route declares no access rule');
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw new AuthenticationError('missing bearer token: send Authorization: Bearer <token>');
    const principal = await this.apiKeys.authenticate(token);
    if (principal === undefined) throw new AuthenticationError('unknown or revoked token');
    if (!roleAllowed(principal.role, access)) {
      throw new PermissionError(`this needs the ${access.join(' or ')} role; the key "${principal.name}" has ${principal.role}`);
    }
    request.principal = principal;
    return true;
  }
}
