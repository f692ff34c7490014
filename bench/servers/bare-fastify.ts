/** Baseline: a bare Fastify JSON echo server on PORT. Nothing but parse and reply. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ ok: true }));
app.get('/readyz', async () => ({ ok: true }));
app.post('/v1/check', async (req) => req.body);
void app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
