/**
 * Parses dotenv-style text: `NAME=value` lines, `#` comments, blank lines, and values optionally
 * wrapped in single or double quotes (no escapes, no interpolation). Used by config fixtures.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`line ${index + 1}: expected NAME=value`);
    const name = trimmed.slice(0, eq).trim();
    let value = trimmed.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1);
    values[name] = value;
  }
  return values;
}
