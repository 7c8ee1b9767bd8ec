#!/usr/bin/env node
// Writes dist/build-info.json ({"commit": ...}) for `net-higress --version`: GIT_COMMIT when set (image
// builds have no .git), else `git rev-parse HEAD` with "-dirty" for uncommitted changes, else no commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

function git(args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

let commit = process.env.GIT_COMMIT || undefined;
if (!commit) {
  commit = git(['rev-parse', 'HEAD']);
  if (commit && git(['status', '--porcelain', '--untracked-files=no'])) commit += '-dirty';
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/build-info.json', `${JSON.stringify(commit ? { commit } : {})}\n`);
