import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Lua source of the test clock prelude (lua/clock_argv.lua): it defines `now` from ARGV[6]
 * instead of Redis TIME. Pass it as the script registry's `clockPrelude`, and pass the time as the
 * sixth script argument.
 */
export function argvClockPrelude(): string {
  return readFileSync(join(__dirname, 'lua', 'clock_argv.lua'), 'utf8');
}
