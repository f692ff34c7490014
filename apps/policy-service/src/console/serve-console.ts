import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';

/**
 * Content-Security-Policy of the console: everything from this origin, no inline or remote script
 * or style, no framing. (Preact and uPlot set styles through the CSSOM, which CSP does not restrict.)
 * A stolen-token XSS is what this guards: the admin key lives in the tab's sessionStorage.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built admin console (CONSOLE_DIR, built by `npm run build` into dist/console) at `/`.
 * Only the files present at boot get a route (`wildcard: false`): `/`, `/index.html` and
 * `/assets/*`, so nothing here can shadow an API route (/v1, /admin, /docs, /healthz, /readyz,
 * /metrics) or turn an unknown API path into a page. The console routes with `#/...`, so it needs
 * no fallback route. Hashed assets are cached for a year; index.html is revalidated on every load.
 * When the directory holds no index.html, `/` answers 503 naming the fix and a warning is logged.
 */
export async function serveConsole(app: NestFastifyApplication, options: { dir: string; logger: Logger }): Promise<void> {
  const { dir, logger } = options;
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn({ consoleDir: dir }, 'admin console not built: `/` answers 503 until `npm run build` writes it (CONSOLE_DIR)');
    app
      .getHttpAdapter()
      .getInstance()
      .get('/', (_request, reply) => {
        void reply
          .code(503)
          .header('cache-control', 'no-store')
          .send({ error: 'unavailable', message: `the admin console is not built: run \`npm run build\` (looked in ${dir}, CONSOLE_DIR)` });
      });
    return;
  }
  const assetsDir = join(dir, 'assets') + sep;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      void reply.header('cache-control', path.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache');
      void reply.header('content-security-policy', CONSOLE_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
    },
  });
}
