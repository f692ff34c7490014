import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '@rl/contracts';
import type { Access } from './roles';

export const ACCESS_METADATA = 'rl:access';

/**
 * The roles that may call this route (or every route of this controller): the least operator role
 * (higher ones included), and `enforcer` where the enforcers' key may call it too.
 */
export const Roles = (...roles: [ApiKeyRole, ...ApiKeyRole[]]): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, roles satisfies Access);

/** No token needed: health, readiness, metrics. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'public' satisfies Access);
