import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseEnvFile } from '@rl/platform';
import { EnforcerConfig } from '../config/enforcer-config';
import { grpcAddress } from './envoy-grpc.server';

function fromFixture(name: string): EnforcerConfig {
  return EnforcerConfig.fromEnv(parseEnvFile(readFileSync(join(__dirname, '..', 'config', 'fixtures', name), 'utf8')));
}

function errorOf(name: string): string {
  try {
    fromFixture(name);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name} was accepted`);
}

describe('ENVOY_GRPC_PORT / ENVOY_GRPC_HOST', () => {
  it('leaves the gRPC server off by default', () => {
    expect(fromFixture('defaults.env').envoyGrpc).toBeUndefined();
  });

  it('reads the port and host', () => {
    const settings = fromFixture('envoy-grpc.env').envoyGrpc;
    expect(settings).toEqual({ host: '::', port: 8181 });
    expect(grpcAddress(settings ?? { host: '', port: 0 })).toBe('[::]:8181');
  });

  it('binds to HOST when ENVOY_GRPC_HOST is unset', () => {
    const settings = fromFixture('envoy-grpc-default-host.env').envoyGrpc;
    expect(settings).toEqual({ host: '10.0.0.5', port: 8181 });
    expect(grpcAddress(settings ?? { host: '', port: 0 })).toBe('10.0.0.5:8181');
  });

  it.each([
    [
      'bad-envoy-grpc.env',
      'Invalid configuration: ENVOY_GRPC_PORT must be an integer between 1 and 65535 (got "0"); ENVOY_GRPC_HOST must be a host name or IP address (got "bad host")',
    ],
    ['envoy-grpc-host-without-port.env', 'Invalid configuration: ENVOY_GRPC_HOST needs ENVOY_GRPC_PORT (the gRPC server is off without a port)'],
    ['envoy-grpc-same-port.env', 'Invalid configuration: ENVOY_GRPC_PORT must differ from PORT'],
  ])('%s fails naming the variable', (name, message) => {
    expect(errorOf(name)).toBe(message);
  });
});
