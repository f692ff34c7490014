import { createServer } from 'node:net';
import { freePort, isListening, waitFor } from './ports';

describe('ports', () => {
  it('finds a port nothing listens on, and sees a listener once one binds it', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await isListening(port)).toBe(false);
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      expect(await isListening(port)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('waitFor resolves once the probe holds and names what it waited for on timeout', async () => {
    let calls = 0;
    await waitFor('three calls', async () => ++calls >= 3, 1_000, 1);
    expect(calls).toBe(3);
    await expect(waitFor('the impossible', async () => false, 50, 5)).rejects.toThrow('timed out after 50 ms waiting for the impossible');
  });
});
