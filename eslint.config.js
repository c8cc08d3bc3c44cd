import { existsSync } from 'node:fs';
import { join } from 'node:path';

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// bench/peers/*.ts import packages only `npm ci --prefix bench/peers` installs (the webhook-duel
// bench does it on first use): linted, against bench/peers/tsconfig.json, once they are there.
const peersInstalled = existsSync(join(import.meta.dirname, 'bench/peers/node_modules'));

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'coverage/',
      'bench/peers/node_modules/',
      ...(peersInstalled ? [] : ['bench/peers/']),
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
