export { freePort, isListening, startRedisServer, waitFor } from '@rl/devstack';
export type { RedisServerHandle } from '@rl/devstack';
export { argvClockPrelude } from './clock-prelude';
export { startRedisCluster } from './redis-cluster';
export type { RedisClusterHandle, RedisClusterOptions } from './redis-cluster';
export { expectedDecisions, randomWalkVector, TEST_VECTORS } from './vectors';
export type { ExpectedStep, ReplayOptions, TestVector, VectorStep } from './vectors';
export { createTestDatabase, TEST_POSTGRES_SERVER } from './postgres';
export type { CreateTestDatabaseOptions, TestDatabase } from './postgres';
