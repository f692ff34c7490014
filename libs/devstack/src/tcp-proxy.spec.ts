import { connect, createServer, type Server } from 'node:net';
import { freePort } from './ports';
import { startTcpProxy, type TcpProxyHandle } from './tcp-proxy';

/** Sends `text` through the proxy and resolves the echo, or the error / close that came instead. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.length >= text.length) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', (error) => resolve(`error: ${error.message}`));
    socket.on('close', () => resolve(received.length > 0 ? received : 'closed'));
    socket.write(text);
  });
}

describe('startTcpProxy', () => {
  let echo: Server;
  let echoPort: number;
  let proxy: TcpProxyHandle;

  beforeAll(async () => {
    echoPort = await freePort();
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(echoPort, '127.0.0.1', () => resolve()));
    proxy = await startTcpProxy({ targetPort: echoPort });
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  it('carries a connection to its target; cut drops open ones and refuses new ones; heal lets them through again', async () => {
    expect(await roundTrip(proxy.port, 'hello')).toBe('hello');

    const open = connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((resolve) => open.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = new Promise((resolve) => open.once('close', resolve));
    proxy.cut();
    expect(proxy.isCut).toBe(true);
    await closed;
    // Accepted and closed at once: the client sees the close, or a reset.
    expect(await roundTrip(proxy.port, 'nobody')).toMatch(/^(closed|error: .*ECONNRESET.*)$/);

    proxy.heal();
    expect(await roundTrip(proxy.port, 'again')).toBe('again');
  });
});
