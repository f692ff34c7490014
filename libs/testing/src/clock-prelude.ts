import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Lua source of the test clock prelude (lua/clock_argv.lua): it defines `now` from the last
 * ARGV instead of Redis TIME. Pass it as the script registry's `clockPrelude`, and pass the time
 * as one more script argument after the script's own (the sixth for a single-decision script; after
 * the last record for a batch, so one batch has one `now`).
 */
export function argvClockPrelude(): string {
  return readFileSync(join(__dirname, 'lua', 'clock_argv.lua'), 'utf8');
}
