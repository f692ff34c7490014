// The root rules, also applied to the console's .tsx files (the root config's own rules cover *.ts).
import root from '../../eslint.config.mjs';

const tsRules = root.filter((c) => Array.isArray(c.files) && c.files.length === 1 && c.files[0] === '**/*.ts' && c.rules);

export default [...root, ...tsRules.map((c) => ({ ...c, files: ['**/*.tsx'] }))];
