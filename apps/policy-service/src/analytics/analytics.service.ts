import { Injectable } from '@nestjs/common';
import {
  ANALYTICS_BOUNDS,
  ANALYTICS_MESSAGES,
  type AnalyticsDimension,
  type AnalyticsTimeseriesQueryDto,
  type AnalyticsTimeseriesView,
  type AnalyticsTopQueryDto,
  type AnalyticsTopView,
} from '@rl/contracts';
import { DataSource } from 'typeorm';
import { Clock } from '../core/clock';
import { InvalidInputError } from '../errors/api-errors';

/** The grouping column of each dimension: a fixed map, never built from the query. */
const DIMENSION_COLUMN: Record<AnalyticsDimension, string> = { key: 'key_hash', customer: 'customer_id' };
const DAY_MS = 86_400_000;

interface TopRow {
  value: string;
  region: string;
  policy_id: string;
  denied: string;
  shadow_denied: string;
  allowed: number;
}

interface PointRow {
  minute: Date;
  region: string;
  policy_id: string;
  allowed: number;
  denied: string;
  shadow_denied: string;
}

/**
 * Reads the per-minute rollups. A range covers the minutes that start in [from rounded down to
 * the minute, to). `allowed` is an estimate (sampled events scaled by 1 / sample rate), rounded.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async top(query: AnalyticsTopQueryDto): Promise<AnalyticsTopView> {
    const { from, to } = this.range(query);
    const column = DIMENSION_COLUMN[query.dimension];
    const rows = (await this.dataSource.query(
      `SELECT ${column} AS value, region, policy_id, sum(denied) AS denied, sum(shadow_denied) AS shadow_denied, sum(allowed) AS allowed
       FROM decision_rollups
       WHERE minute >= date_trunc('minute', $1::timestamptz) AND minute < $2
         AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR policy_id = $4)
       GROUP BY ${column}, region, policy_id
       HAVING sum(denied) + sum(shadow_denied) > 0 OR sum(allowed) > 0
       ORDER BY sum(denied) + sum(shadow_denied) DESC, sum(allowed) DESC, ${column}, region, policy_id
       LIMIT $5`,
      [from, to, query.region ?? null, query.policyId ?? null, query.limit ?? ANALYTICS_BOUNDS.topLimitDefault],
    )) as TopRow[];
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      dimension: query.dimension,
      items: rows.map((r) => ({
        value: r.value,
        region: r.region,
        policyId: r.policy_id,
        denied: Number(r.denied),
        shadowDenied: Number(r.shadow_denied),
        allowed: Math.round(Number(r.allowed)),
      })),
    };
  }

  async timeseries(query: AnalyticsTimeseriesQueryDto): Promise<AnalyticsTimeseriesView> {
    const { from, to } = this.range(query);
    const rows = (await this.dataSource.query(
      `SELECT minute, region, policy_id, sum(allowed) AS allowed, sum(denied) AS denied, sum(shadow_denied) AS shadow_denied
       FROM decision_rollups
       WHERE minute >= date_trunc('minute', $1::timestamptz) AND minute < $2
         AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR policy_id = $4) AND ($5::text IS NULL OR customer_id = $5)
       GROUP BY minute, region, policy_id
       ORDER BY minute, region, policy_id`,
      [from, to, query.region ?? null, query.policyId ?? null, query.customerId ?? null],
    )) as PointRow[];
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      stepSeconds: 60,
      points: rows.map((r) => ({
        minute: r.minute.toISOString(),
        region: r.region,
        policyId: r.policy_id,
        allowed: Math.round(Number(r.allowed)),
        denied: Number(r.denied),
        shadowDenied: Number(r.shadow_denied),
      })),
    };
  }

  /** from/to of a query: the last hour by default; from before to, at most ANALYTICS_BOUNDS.maxRangeDays apart. */
  private range(query: { from?: string; to?: string }): { from: Date; to: Date } {
    const to = query.to === undefined ? this.clock.now() : new Date(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - ANALYTICS_BOUNDS.defaultRangeMs) : new Date(query.from);
    if (from.getTime() >= to.getTime()) throw new InvalidInputError([{ path: 'from', message: ANALYTICS_MESSAGES.fromBeforeTo }]);
    if (to.getTime() - from.getTime() > ANALYTICS_BOUNDS.maxRangeDays * DAY_MS) throw new InvalidInputError([{ path: 'from', message: ANALYTICS_MESSAGES.range }]);
    return { from, to };
  }
}
