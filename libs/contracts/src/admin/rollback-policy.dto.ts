import { IsInt, Max, Min } from 'class-validator';
import { ADMIN_MESSAGES } from './admin-bounds';
import { Required } from '../validation/field-decorators';

/** `POST /v1/policies/{id}/rollback`: make the content of `version` the newest version. */
export class RollbackPolicyDto {
  @Required()
  @IsInt({ message: ADMIN_MESSAGES.version })
  @Min(1, { message: ADMIN_MESSAGES.version })
  @Max(Number.MAX_SAFE_INTEGER, { message: ADMIN_MESSAGES.version })
  version!: number;
}
