// `npm run docs:inventory` writes docs/inventory.md from the inventory schema; `npm run docs:check`
// (a CI step) fails when the page in the tree is not what the schema gives.
import { readFileSync, writeFileSync } from 'node:fs';
import { inventorySchema } from '../src/inventory/schema.js';
import { inventoryReference } from '../src/inventory/reference.js';

const FILE = new URL('../docs/inventory.md', import.meta.url);
const INTRO = `# Inventory reference

<!-- Generated from src/inventory/schema.ts by \`npm run docs:inventory\`; CI (\`npm run docs:check\`) fails when it drifts. Edit the schema's .describe() texts, not this page. -->

Every field \`haops validate\` accepts, with its type, default and an example. An inventory is YAML;
unknown fields are refused (with a suggestion). \`<host>\`, \`<pair>\` stand for names you choose;
\`[]\` marks the items of a list. Required means: required whenever its parent is given.
Secrets (\`password\`, \`password_env\`, \`password_file\`, \`default\`) are masked in every output;
prefer \`password_env\`. A worked example: [inventory/seed.yaml](../inventory/seed.yaml).`;

const page = `${inventoryReference(inventorySchema, INTRO)}`;
if (process.argv.includes('--check')) {
  let now = '';
  try {
    now = readFileSync(FILE, 'utf8');
  } catch {
    // missing: drifted
  }
  if (now !== page) {
    console.error('docs/inventory.md is not what the schema gives: run `npm run docs:inventory` and commit it');
    process.exit(1);
  }
  console.log('docs/inventory.md matches the schema');
} else {
  writeFileSync(FILE, page);
  console.log('wrote docs/inventory.md');
}
