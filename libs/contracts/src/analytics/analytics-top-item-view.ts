import 'reflect-metadata';
import { IsInt, IsString } from 'class-validator';

/** One row of `GET /v1/analytics/top`: a key hash or customer id, in one region under one policy. */
export class AnalyticsTopItemView {
  /** The key hash (dimension=key) or the customer id (dimension=customer; "" for requests without one). */
  @IsString()
  value!: string;

  @IsString()
  region!: string;

  @IsString()
  policyId!: string;

  @IsInt()
  denied!: number;

  /** Requests a shadow-mode policy would have denied (they were admitted). */
  @IsInt()
  shadowDenied!: number;

  /** Estimated from sampled events (each scaled by 1 / its sample rate), rounded. */
  @IsInt()
  allowed!: number;
}
