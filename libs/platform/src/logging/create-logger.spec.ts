import { Writable } from 'node:stream';
import { createLogger } from './create-logger';
import { PinoNestLogger } from './nest-logger';

function memory(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with level names, service and fields, honouring the level', () => {
    const sink = memory();
    const logger = createLogger({ service: 'enforcer', level: 'info', fields: { region: 'us-east' }, destination: sink.stream });
    logger.debug('hidden');
    logger.info({ port: 8081 }, 'listening');
    new PinoNestLogger(logger).warn('from nest', 'Bootstrap');
    const [info, warn] = sink.lines();
    expect(info).toMatchObject({ level: 'info', service: 'enforcer', region: 'us-east', port: 8081, msg: 'listening' });
    expect(typeof info.time).toBe('string');
    expect(warn).toMatchObject({ level: 'warn', context: 'Bootstrap', msg: 'from nest' });
    expect(sink.lines()).toHaveLength(2);
  });
});
