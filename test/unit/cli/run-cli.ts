import { main } from '../../../src/cli/main.js';

/** `net-higress <args>` in process: exit code and what it wrote. */
export async function runCLI(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readStdin: () => stdin,
  });
  return { code, stdout, stderr };
}
