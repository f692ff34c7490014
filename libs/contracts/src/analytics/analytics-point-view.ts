import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsString, ValidateNested } from 'class-validator';
import { AnalyticsEstimateView } from './analytics-estimate-view';

/** One minute of one policy in one region. */
export class AnalyticsPointView {
  /** Start of the minute. */
  @IsISO8601()
  minute!: string;

  @IsString()
  region!: string;

  @IsString()
  policyId!: string;

  /** Estimated from sampled events, rounded: see `allowedEstimate`. */
  @IsInt()
  allowed!: number;

  @IsInt()
  denied!: number;

  @IsInt()
  shadowDenied!: number;

  /** Requests answered 429 `blocked` (a block matched; under policy id `blocked`). Exact. */
  @IsInt()
  blocked!: number;

  /** Decisions made while the regional store was down (any outcome): estimated like `allowed`. */
  @IsInt()
  degraded!: number;

  /** How `allowed` was estimated: sample rate and 95% error bound. */
  @ValidateNested()
  @Type(() => AnalyticsEstimateView)
  allowedEstimate!: AnalyticsEstimateView;

  /** How `degraded` was estimated. */
  @ValidateNested()
  @Type(() => AnalyticsEstimateView)
  degradedEstimate!: AnalyticsEstimateView;
}
