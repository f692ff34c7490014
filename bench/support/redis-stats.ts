import type { Redis } from 'ioredis';

/** Script calls (EVALSHA + EVAL) Redis has served since its stats were last reset (INFO commandstats). */
export async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  const calls = (command: string): number => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}
