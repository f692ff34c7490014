import { IsBoolean, IsInt, IsNumber, IsOptional, Min } from 'class-validator';

/**
 * How far an estimated count can be trusted. Allowed (and degraded-allowed) decisions are
 * sampled at the enforcers' EVENTS_SAMPLE_RATE: each kept event stands for 1 / rate decisions,
 * so the count is a Horvitz-Thompson estimate, unbiased, with variance sum(w (w - 1)) over the
 * kept events (w = 1 / rate). `errorBound` is 1.96 standard deviations: the true count lies
 * within `count ± errorBound` with about 95% confidence.
 */
export class AnalyticsEstimateView {
  /** True when every decision was kept (sample rate 1): the count is exact. */
  @IsBoolean()
  exact!: boolean;

  /** Sampled events behind the count; null where rows written before the statistics were kept contribute. */
  @IsOptional()
  @IsInt()
  @Min(0)
  sampledEvents!: number | null;

  /** Kept events / estimated count: the effective sample rate (1 when exact); null when unknown or nothing was counted. */
  @IsOptional()
  @IsNumber()
  sampleRate!: number | null;

  /** Half-width of the 95% confidence interval, rounded up; null when unknown. */
  @IsOptional()
  @IsInt()
  @Min(0)
  errorBound!: number | null;
}
