import { Agent, request } from 'node:http';

export interface OpenLoopResult {
  readonly sent: number;
  readonly errors: number;
  /** Responses with a 5xx status. */
  readonly serverErrors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate and is sent then, whether
 * or not earlier ones have finished. Latency counts from when the request was DUE, not from when
 * it was sent, so a stalled server is charged for the queue it causes (no coordinated omission).
 */
export async function openLoop(options: { url: string; rate: number; seconds: number; body: (i: number) => string }): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(options.url);
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  let errors = 0;
  let serverErrors = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];

  const fire = (i: number, due: number): Promise<void> =>
    new Promise((resolve) => {
      const payload = options.body(i);
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          if ((res.statusCode ?? 0) >= 500) serverErrors++;
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(payload);
    });

  // Fire everything that is due, then sleep until the next request is due. Timers, not a
  // busy loop: on two cores a spinning generator would steal the server's CPU.
  let i = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (i < total && start + (i * 1000) / options.rate <= now) {
        inflight.push(fire(i, start + (i * 1000) / options.rate));
        i++;
      }
      if (i >= total) return done();
      setTimeout(tick, Math.max(0, start + (i * 1000) / options.rate - performance.now()));
    };
    tick();
  });
  await Promise.all(inflight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { sent: total, errors, serverErrors, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: latencies[latencies.length - 1] ?? NaN };
}
