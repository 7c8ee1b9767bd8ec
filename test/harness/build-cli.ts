import { execFileSync } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;

/**
 * bin/net-higress.js runs the bundled CLI in dist/cli/; `npm ci` builds it, this keeps a dev checkout current
 * (tsc, then the bundle, as `npm run build` does).
 */
export function buildCli(): void {
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  run([`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`]);
  run([`${root}scripts/bundle.mjs`]);
}
