import { Injectable } from '@nestjs/common';
import {
  ANALYTICS_BOUNDS,
  ANALYTICS_MESSAGES,
  type AnalyticsDimension,
  type AnalyticsRangeQueryDto,
  type AnalyticsTimeseriesQueryDto,
  type AnalyticsTimeseriesView,
  type AnalyticsTopQueryDto,
  type AnalyticsTopView,
} from '@rl/contracts';
import { DataSource } from 'typeorm';
import { Clock } from '../core/clock';
import { InvalidInputError } from '../errors/api-errors';
import { describeEstimate } from './estimate';

/** The grouping column of each dimension: a fixed map, never built from the query. */
const DIMENSION_COLUMN: Record<AnalyticsDimension, string> = { key: 'key_hash', customer: 'customer_id' };
const DAY_MS = 86_400_000;

/** The sums every answer reads, with the sample statistics of the estimated ones (NULL-aware: unknown if any row lacks them). */
const SUMS = `sum(allowed) AS allowed, sum(denied) AS denied, sum(shadow_denied) AS shadow_denied, sum(blocked) AS blocked, sum(degraded) AS degraded,
  CASE WHEN bool_or(allowed_events IS NULL) THEN NULL ELSE sum(allowed_events) END AS allowed_events,
  CASE WHEN bool_or(allowed_variance IS NULL) THEN NULL ELSE sum(allowed_variance) END AS allowed_variance,
  CASE WHEN bool_or(degraded_events IS NULL) THEN NULL ELSE sum(degraded_events) END AS degraded_events,
  CASE WHEN bool_or(degraded_variance IS NULL) THEN NULL ELSE sum(degraded_variance) END AS degraded_variance`;

/** The filters of every query, as $3..$7 (after from and to). */
const FILTERS = `minute >= date_trunc('minute', $1::timestamptz) AND minute < $2
  AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR policy_id = $4)
  AND ($5::text IS NULL OR customer_id = $5) AND ($6::text IS NULL OR key_hash = $6)`;

interface SumRow {
  allowed: number;
  denied: string;
  shadow_denied: string;
  blocked: string;
  degraded: number;
  allowed_events: string | null;
  allowed_variance: number | null;
  degraded_events: string | null;
  degraded_variance: number | null;
}

interface TopRow extends SumRow {
  value: string;
  region: string;
  policy_id: string;
}

interface PointRow extends SumRow {
  minute: Date;
  region: string;
  policy_id: string;
}

function counts(row: SumRow) {
  const allowed = Number(row.allowed);
  const degraded = Number(row.degraded);
  const number = (value: string | number | null): number | null => (value === null ? null : Number(value));
  return {
    allowed: Math.round(allowed),
    denied: Number(row.denied),
    shadowDenied: Number(row.shadow_denied),
    blocked: Number(row.blocked),
    degraded: Math.round(degraded),
    allowedEstimate: describeEstimate({ count: allowed, events: number(row.allowed_events), variance: number(row.allowed_variance) }),
    degradedEstimate: describeEstimate({ count: degraded, events: number(row.degraded_events), variance: number(row.degraded_variance) }),
  };
}

/**
 * Reads the per-minute rollups. A range covers the minutes that start in [from rounded down to
 * the minute, to). `allowed` and `degraded` are estimates (sampled events scaled by 1 / sample
 * rate), rounded, each with its sample rate and 95% error bound; denied, shadow-denied and
 * blocked are counts of the events received.
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
      `SELECT ${column} AS value, region, policy_id, ${SUMS}
       FROM decision_rollups
       WHERE ${FILTERS}
       GROUP BY ${column}, region, policy_id
       HAVING sum(denied) + sum(shadow_denied) + sum(blocked) > 0 OR sum(allowed) > 0 OR sum(degraded) > 0
       ORDER BY sum(denied) + sum(shadow_denied) + sum(blocked) DESC, sum(allowed) DESC, ${column}, region, policy_id
       LIMIT $7`,
      [...this.filters(query, { from, to }), query.limit ?? ANALYTICS_BOUNDS.topLimitDefault],
    )) as TopRow[];
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      dimension: query.dimension,
      items: rows.map((r) => ({ value: r.value, region: r.region, policyId: r.policy_id, ...counts(r) })),
    };
  }

  async timeseries(query: AnalyticsTimeseriesQueryDto): Promise<AnalyticsTimeseriesView> {
    const { from, to } = this.range(query);
    const rows = (await this.dataSource.query(
      `SELECT minute, region, policy_id, ${SUMS}
       FROM decision_rollups
       WHERE ${FILTERS}
       GROUP BY minute, region, policy_id
       ORDER BY minute, region, policy_id`,
      this.filters(query, { from, to }),
    )) as PointRow[];
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      stepSeconds: 60,
      points: rows.map((r) => ({ minute: r.minute.toISOString(), region: r.region, policyId: r.policy_id, ...counts(r) })),
    };
  }

  private filters(query: AnalyticsRangeQueryDto, range: { from: Date; to: Date }): unknown[] {
    return [range.from, range.to, query.region ?? null, query.policyId ?? null, query.customerId ?? null, query.keyHash ?? null];
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
