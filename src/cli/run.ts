import type { Streams } from './render.js';

export async function runController(_argv: string[], io: Streams): Promise<number> {
  io.stderr('run: not implemented yet\n');
  return 1;
}
