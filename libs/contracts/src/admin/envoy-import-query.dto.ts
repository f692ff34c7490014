import { IsIn, IsOptional } from 'class-validator';

/** `POST /v1/imports/envoy-ratelimit?dryRun=true`: return the plan and change nothing. */
export class EnvoyImportQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  dryRun?: 'true' | 'false';
}
