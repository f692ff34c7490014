import { IsDefined, IsInt, Max, Min } from 'class-validator';
import { ADMIN_MESSAGES } from './admin-bounds';

/** `POST /v1/policies/{id}/rollback`: make the content of `version` the newest version. */
export class RollbackPolicyDto {
  @IsDefined({ message: 'is required' })
  @IsInt({ message: ADMIN_MESSAGES.version })
  @Min(1, { message: ADMIN_MESSAGES.version })
  @Max(Number.MAX_SAFE_INTEGER, { message: ADMIN_MESSAGES.version })
  version!: number;
}
