import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { ConfigError } from '../config/load-env';
import { bootService, type ListenConfig, type ServiceDefinition, type ServiceProcess } from './run-service';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function fakeProcess(): ServiceProcess & { stderr: string[] } {
  const stderr: string[] = [];
  return {
    env: {},
    stderr,
    writeError: (text) => void stderr.push(text),
    exit: (code) => {
      throw new Exited(code);
    },
  };
}

const config: ListenConfig = { port: 0, host: '127.0.0.1', listenUrl: 'http://127.0.0.1:0' };

function definition(overrides: Partial<ServiceDefinition<ListenConfig>>): ServiceDefinition<ListenConfig> {
  return {
    name: 'demo service',
    loadConfig: () => config,
    createLogger: () => pino({ level: 'silent' }),
    createApp: () => Promise.reject(new Error('unexpected')),
    listeningFields: () => ({}),
    ...overrides,
  };
}

describe('bootService', () => {
  it('stops with the config error message and exit 78 on bad configuration', async () => {
    const io = fakeProcess();
    const run = bootService(definition({ loadConfig: () => { throw new ConfigError(['PORT must be an integer']); } }), io);
    await expect(run).rejects.toEqual(new Exited(78));
    expect(io.stderr.join('')).toContain('PORT must be an integer');
  });

  it('exits with the code an explained startup error names, else 1', async () => {
    class BadFile extends Error {}
    const explain = (error: unknown): { fields: Record<string, unknown>; message: string; exitCode: number } | undefined => (error instanceof BadFile ? { fields: {}, message: error.message, exitCode: 78 } : undefined);
    await expect(bootService(definition({ createApp: () => Promise.reject(new BadFile('bad file')), explainStartupError: explain }), fakeProcess())).rejects.toEqual(new Exited(78));
    await expect(bootService(definition({ createApp: () => Promise.reject(new Error('boom')), explainStartupError: explain }), fakeProcess())).rejects.toEqual(new Exited(1));
  });

  it('enables shutdown hooks, runs beforeListen, then listens', async () => {
    const calls: string[] = [];
    const app = {
      enableShutdownHooks: (signals: string[]) => void calls.push(`hooks ${signals.join(',')}`),
      listen: (options: { port: number; host: string }) => {
        calls.push(`listen ${options.host}:${options.port}`);
        return Promise.resolve();
      },
    } as unknown as NestFastifyApplication;
    const booted = await bootService(definition({ createApp: () => Promise.resolve(app), beforeListen: () => void calls.push('beforeListen') }), fakeProcess());
    expect(booted).toBe(app);
    expect(calls).toEqual(['hooks SIGTERM,SIGINT', 'beforeListen', 'listen 127.0.0.1:0']);
  });
});
