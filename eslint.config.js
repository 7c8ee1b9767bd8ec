// Lint with typescript-eslint's type-checked rules. The ones that matter most for an operator are the
// promise rules: an unawaited write, or an async callback whose rejection nobody handles, loses errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'release/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A leading underscore names a value kept only to be left out (`const { a: _a, ...rest } = o`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Off: header names/values and hosts are validated against control characters on purpose.
      'no-control-regex': 'off',
      // Off: async implementations of async interfaces (readiness, informer stop, request signing, and the
      // test fakes) need no await, and \`async\` keeps a synchronous throw a rejection, as callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Off in tests: fakes rethrow whatever a test sets, including the non-Error shapes real clients reject with.
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    // Plain JavaScript launchers and scripts are outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
