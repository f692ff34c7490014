import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load-env';

/** What a service's config must tell the bootstrap. */
export interface ListenConfig {
  readonly port: number;
  readonly host: string;
  readonly listenUrl: string;
}

/** A boot failure the operator caused (a bad file, an unmigrated database): logged as it says, no stack. */
export interface ExplainedStartupError {
  readonly fields: Record<string, unknown>;
  readonly message: string;
  /** 78 (EX_CONFIG) for configuration the operator must fix; 1 otherwise. */
  readonly exitCode: number;
}

export interface ServiceDefinition<Config extends ListenConfig> {
  /** As it reads in messages: `policy service`. */
  readonly name: string;
  /** Validates the environment; a ConfigError stops the process with its message and exit 78. */
  readonly loadConfig: (env: NodeJS.ProcessEnv) => Config;
  readonly createLogger: (config: Config) => Logger;
  readonly createApp: (config: Config, logger: Logger) => Promise<NestFastifyApplication>;
  /** Recognises the boot failures that need no stack trace; others are logged with `err`. */
  readonly explainStartupError?: (error: unknown, config: Config) => ExplainedStartupError | undefined;
  /** Fields on the line that reports an unexplained boot failure. */
  readonly startupFailureFields?: (config: Config) => Record<string, unknown>;
  /** Runs once the app is built, before it listens (signal handlers such as SIGHUP reloads). */
  readonly beforeListen?: (app: NestFastifyApplication, logger: Logger) => void;
  /** Fields of the "listening" line: what an operator checks first. */
  readonly listeningFields: (config: Config) => Record<string, unknown>;
}

/** The process seams: tests pass their own. */
export interface ServiceProcess {
  readonly env: NodeJS.ProcessEnv;
  readonly exit: (code: number) => never;
  readonly writeError: (text: string) => void;
}

const EX_CONFIG = 78;

const realProcess: ServiceProcess = {
  env: process.env,
  exit: (code) => process.exit(code),
  writeError: (text) => void process.stderr.write(text),
};

/**
 * Boots a service: config (a bad variable stops the process naming it, exit 78), logger, the Nest
 * application (a boot failure is logged and exits 1, or as explainStartupError says), SIGTERM and
 * SIGINT shutdown hooks (each service's providers turn not-ready, drain and close), then listen
 * (a port in use exits 1) and one "listening" line.
 */
export async function bootService<Config extends ListenConfig>(service: ServiceDefinition<Config>, io: ServiceProcess = realProcess): Promise<NestFastifyApplication> {
  let config: Config;
  try {
    config = service.loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.writeError(`${error.message}\n`);
    return io.exit(EX_CONFIG);
  }
  const logger = service.createLogger(config);
  let app: NestFastifyApplication;
  try {
    app = await service.createApp(config, logger);
  } catch (error) {
    const explained = service.explainStartupError?.(error, config);
    if (explained !== undefined) {
      logger.fatal(explained.fields, explained.message);
      return io.exit(explained.exitCode);
    }
    logger.fatal({ err: error, ...service.startupFailureFields?.(config) }, `${service.name} failed to start`);
    return io.exit(1);
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  service.beforeListen?.(app, logger);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.listenUrl}`);
    return io.exit(1);
  }
  logger.info({ url: config.listenUrl, ...service.listeningFields(config) }, `${service.name} listening on ${config.listenUrl}`);
  return app;
}

/** main.ts of every service: bootService, and any unexpected error printed with its stack, exit 1. */
export function runService<Config extends ListenConfig>(service: ServiceDefinition<Config>, io: ServiceProcess = realProcess): void {
  bootService(service, io).catch((error: unknown) => {
    io.writeError(`${service.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    io.exit(1);
  });
}
