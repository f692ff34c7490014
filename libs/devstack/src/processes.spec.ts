import { waitFor } from './ports';
import { requireProgram, spawnManaged } from './processes';

// Wait for what the child prints, not a fixed time: on a loaded machine node takes a while to start.

describe('processes', () => {
  it('names a missing program in its error', () => {
    expect(() => requireProgram('no-such-program-rl', 'install it')).toThrow('no-such-program-rl is not installed: install it');
    expect(() => requireProgram('node', 'x')).not.toThrow();
  });

  it('captures output line by line and stops a process that ignores nothing', async () => {
    const lines: string[] = [];
    const proc = spawnManaged({
      name: 'echoer',
      command: process.execPath,
      args: ['-e', 'console.log("one\\ntwo"); setInterval(() => {}, 1000)'],
      onLine: (l) => lines.push(l),
    });
    // A fresh node process on a loaded machine can take well over 300 ms to print.
    await waitFor('both lines', async () => lines.length >= 2, 10_000, 20);
    await proc.stop();
    expect(lines).toEqual(['one', 'two']);
    expect(proc.output()).toBe('one\ntwo');
    expect(proc.child.signalCode).toBe('SIGTERM');
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const proc = spawnManaged({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
    });
    // Only once its handler is installed does ignoring SIGTERM mean anything.
    await waitFor('the handler installed', async () => proc.output().includes('ready'), 10_000, 20);
    await proc.stop(100);
    expect(proc.child.signalCode).toBe('SIGKILL');
  });
});
