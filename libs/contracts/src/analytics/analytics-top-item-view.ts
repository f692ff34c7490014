import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { AnalyticsEstimateView } from './analytics-estimate-view';

/** One row of `GET /v1/analytics/top`: a key hash or customer id, in one region under one policy. */
export class AnalyticsTopItemView {
  /** The key hash (dimension=key) or the customer id (dimension=customer; "" for requests without one). */
  @IsString()
  value!: string;

  @IsString()
  region!: string;

  @IsString()
  policyId!: string;

  /** Exact: every denial event is kept, up to each enforcer's EVENTS_DENY_RATE_CAP per second (drops are counted in its metrics). */
  @IsInt()
  denied!: number;

  /** Requests a shadow-mode policy would have denied (they were admitted). */
  @IsInt()
  shadowDenied!: number;

  /** Estimated from sampled events (each scaled by 1 / its sample rate), rounded: see `allowedEstimate`. */
  @IsInt()
  allowed!: number;

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
