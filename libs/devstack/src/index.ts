export { freePort, isListening, waitFor } from './ports';
export { requireProgram, spawnManaged } from './processes';
export type { ManagedProcess, SpawnOptions } from './processes';
export { startRedisServer } from './redis-server';
export type { RedisServerHandle, RedisServerOptions } from './redis-server';
export { startNodeService, workspaceRoot } from './services';
export type { NodeServiceOptions, ServiceHandle } from './services';
export { startRegion } from './region';
export type { RegionHandle, RegionOptions } from './region';
