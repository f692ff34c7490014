import pino, { type DestinationStream, type Logger } from 'pino';
import type { EnvVar } from '../config/env-var';
import { envEnum } from '../config/env-vars';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The LOG_LEVEL declaration every service puts in its config schema. */
export function logLevelEnv(): EnvVar<LogLevel> {
  return envEnum<LogLevel>({ values: LOG_LEVELS, default: 'info', description: 'Minimum level of the JSON log lines on stdout' });
}

export interface CreateLoggerOptions {
  /** The service name, on every line as `service`. */
  readonly service: string;
  readonly level: LogLevel;
  /** Fields on every line, such as region and instance id. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Where lines go; stdout when omitted. Tests pass a memory stream. */
  readonly destination?: DestinationStream;
}

/** One JSON logger per process: ISO timestamps, level names instead of numbers. */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, ...options.fields },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
