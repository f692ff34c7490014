import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiKeyRole } from '@rl/contracts';

/** Who is calling: the API key the bearer token belongs to. */
export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly role: ApiKeyRole;
}

/** Who a change is recorded against in the audit log: a key, or the service itself. */
export interface Actor {
  readonly keyId: string | undefined;
  readonly name: string;
}

export const SYSTEM_ACTOR: Actor = { keyId: undefined, name: 'system' };

export function actorOf(principal: Principal): Actor {
  return { keyId: principal.keyId, name: principal.name };
}

/** Set by ApiKeyGuard on every authenticated request. */
export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The authenticated caller (key, name, role). Only on routes that need a role. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal === undefined) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});

/** The authenticated caller as an audit actor. Only on routes that need a role. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal === undefined) throw new Error('CurrentActor used on a route without authentication');
  return actorOf(principal);
});
