import 'reflect-metadata';
import { IsInt, IsISO8601, IsString } from 'class-validator';

/** One minute of one policy in one region. */
export class AnalyticsPointView {
  /** Start of the minute. */
  @IsISO8601()
  minute!: string;

  @IsString()
  region!: string;

  @IsString()
  policyId!: string;

  /** Estimated from sampled events, rounded. */
  @IsInt()
  allowed!: number;

  @IsInt()
  denied!: number;

  @IsInt()
  shadowDenied!: number;
}
