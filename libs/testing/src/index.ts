export { freePort, isListening, startRedisServer, waitFor } from '@rl/devstack';
export type { RedisServerHandle } from '@rl/devstack';
