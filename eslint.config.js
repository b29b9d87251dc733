// One tool for lint and format: ESLint with typescript-eslint and @stylistic. (Biome was the first
// choice, but its per-platform binaries are not all on the registry this project installs from,
// and npm ci then rejects any lockfile that names them.)
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  stylistic.configs.customize({
    indent: 2,
    quotes: 'single',
    semi: true,
    commaDangle: 'always-multiline',
    braceStyle: '1tbs',
    arrowParens: true,
  }),
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
      '@stylistic/operator-linebreak': ['error', 'after', { overrides: { '?': 'before', ':': 'before', '|': 'before', '&': 'before' } }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/quote-props': ['error', 'as-needed'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off',
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error' } },
  // Layering (docs/README.md, "Layers"): data flows cli → core → ports → clouds/ip/scheduler/config.
  // The core is pure; a cloud knows nothing of the CLI, the scheduler or the other cloud.
  ...layers({
    'src/core/**/*.ts': {
      message: 'src/core is the pure domain: it imports only src/core (and ipaddr.js). Pass what it needs through core/ports.ts.',
      patterns: ['**/cli/**', '**/clouds/**', '**/scheduler/**', '**/config/**', '**/ip/**', 'node:*', '@azure/*', '@aws-sdk/*', 'chalk', 'ora', '@inquirer/*', 'conf', 'commander'],
    },
    'src/clouds/azure/**/*.ts': {
      message: 'A cloud adapter imports only src/core and its own files: never the CLI, the scheduler, the config store or the other cloud.',
      patterns: ['**/cli/**', '**/scheduler/**', '**/config/**', '**/aws/**', 'chalk', 'ora', '@inquirer/*', 'conf', 'commander'],
    },
    'src/clouds/aws/**/*.ts': {
      message: 'A cloud adapter imports only src/core and its own files: never the CLI, the scheduler, the config store or the other cloud.',
      patterns: ['**/cli/**', '**/scheduler/**', '**/config/**', '**/azure/**', 'chalk', 'ora', '@inquirer/*', 'conf', 'commander'],
    },
    'src/clouds/*.ts': {
      message: 'The provider registry loads the clouds lazily and knows nothing of the CLI or the scheduler.',
      patterns: ['**/cli/**', '**/scheduler/**'],
    },
    'src/{scheduler,config,ip}/**/*.ts': {
      message: 'The scheduler, the config store and IP detection never import the CLI.',
      patterns: ['**/cli/**', 'chalk', 'ora', '@inquirer/*', 'commander'],
    },
  }),
);

/** One no-restricted-imports entry per layer (a file matches exactly one). */
function layers(rules) {
  return Object.entries(rules).map(([files, { message, patterns }]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
  }));
}
