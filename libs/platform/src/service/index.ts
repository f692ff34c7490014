// The service skeleton every app shares: bootstrap, core singletons, health and readiness from
// named checks, the logger token. A separate entry point (`@rl/platform/service`), so that
// importing `@rl/platform` does not load Nest.
export { LOGGER } from './logger.token';
export { ServiceCoreModule } from './service-core.module';
export type { ServiceCoreOptions } from './service-core.module';
export { HealthModule } from './health.module';
export type { HealthModuleOptions } from './health.module';
export { ReadinessService } from './readiness';
export type { ReadinessCheck, ReadinessOptions } from './readiness';
export { createServiceAdapter, createServiceApp } from './create-service-app';
export type { CreateServiceAppOptions } from './create-service-app';
export { bootService, runService } from './run-service';
export type { ExplainedStartupError, ListenConfig, ServiceDefinition, ServiceProcess } from './run-service';
