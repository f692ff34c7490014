import { IsBoolean, IsInt, IsISO8601, IsOptional, IsString, Min, ValidateIf } from 'class-validator';

/** One region's share of a global key in the current window, as the reconciler reports it. */
export class GlobalRegionUsageView {
  @IsString()
  region!: string;

  /** Requests the region admitted in this window (absolute, summed over its instances). */
  @IsInt()
  @Min(0)
  admitted!: number;

  @IsInt()
  @Min(0)
  denied!: number;

  /** The most this region may admit in the whole window (its cap), as last issued. */
  @IsInt()
  @Min(0)
  allocation!: number;

  /** When the region last reported; null before its first report. Only in the per-key view. */
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsISO8601()
  lastReportAt?: string | null;

  /** True once the region has been silent for longer than its lease (partitioned). Only in the per-key view. */
  @IsOptional()
  @IsBoolean()
  silent?: boolean;
}
