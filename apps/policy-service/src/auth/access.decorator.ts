import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '@rl/contracts';
import type { Access } from './roles';

export const ACCESS_METADATA = 'rl:access';

/** The least role that may call this route (or every route of this controller). */
export const Roles = (role: ApiKeyRole): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, role satisfies Access);

/** No token needed: health, readiness, metrics. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'public' satisfies Access);
