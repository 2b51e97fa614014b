// Rewrites src/config/schema-validator.ts from the compiled schema (run `tsc -p .` first;
// `npm run generate` does both). See src/config/schema-codegen.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VALIDATOR_PATH, validatorSource } from '../dist/src/config/schema-codegen.js';

const root = join(import.meta.dirname, '..');
writeFileSync(join(root, VALIDATOR_PATH), validatorSource());
process.stdout.write(`wrote ${VALIDATOR_PATH}\n`);
