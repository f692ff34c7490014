import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { EnvoyPolicyView } from './envoy-policy-view';

/**
 * The answer to `POST /v1/imports/envoy-ratelimit`: the plan of an import of one domain's file,
 * and, unless it was a dry run or changed nothing, the revision it committed as. Each descriptor of
 * the file is one policy (`match.envoy`, `envoy`); the ids depend on the domain and the descriptor
 * path only, so importing a changed file changes only the policies whose descriptors changed.
 */
export class EnvoyImportView {
  @IsString()
  domain!: string;

  @IsBoolean()
  dryRun!: boolean;

  /** The control revision of the import: one for the whole domain. Absent for a dry run or an import that changed nothing. */
  @IsOptional()
  @IsInt()
  @Min(1)
  revision?: number;

  /** Policies for descriptors new to this domain, at the version they get. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EnvoyPolicyView)
  created!: EnvoyPolicyView[];

  /** Policies whose descriptor changed, at their new version. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EnvoyPolicyView)
  changed!: EnvoyPolicyView[];

  /** Policies of descriptors the file no longer has, as they were. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EnvoyPolicyView)
  deleted!: EnvoyPolicyView[];

  /** Ids of the policies the import leaves as they are. */
  @IsArray()
  @IsString({ each: true })
  unchanged!: string[];
}
