import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, ValidateNested } from 'class-validator';
import { FieldErrorView } from './field-error-view';

/** Every error response of the admin API. */
export class ErrorView {
  /** Machine-readable: `validation_failed`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `precondition_failed`, ... */
  @IsString()
  error!: string;

  @IsString()
  message!: string;

  /** For 400 and 422: every offending field. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FieldErrorView)
  fields?: FieldErrorView[];
}
