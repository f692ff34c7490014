export { allocate, allocateInto, equalSplit, PRESSURE_INTERVALS, regionFloor, targets, underPressure } from './allocate';
export type { AllocateInput, RegionView } from './allocate';
export { QuotaBook } from './quota-book';
export type { CycleOutput, IngestOutcome, IngestResult, KeyState, QuotaBookOptions, RegionUsageRow, WindowState } from './quota-book';
export { RegionSlot } from './region-slot';
export type { Issued } from './region-slot';
