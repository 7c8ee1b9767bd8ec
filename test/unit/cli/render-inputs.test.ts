// What a new user gets wrong with render's inputs: each mistake is one line naming the file or document.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { runCLI } from './run-cli.js';

const fixture = (f: string) => new URL(`../../fixtures/translate/${f}`, import.meta.url).pathname;

const run = runCLI;

const plain = readFileSync(fixture('reconcile-plain.yaml'), 'utf8');

describe('render: a KIngress with the wrong type is an error, not a skip', () => {
  test.each([
    [
      'another version',
      plain.replace('networking.internal.knative.dev/v1alpha1', 'networking.internal.knative.dev/v1'),
      'apiVersion networking.internal.knative.dev/v1 kind Ingress',
    ],
    [
      'kind KIngress',
      plain.replace('kind: Ingress', 'kind: KIngress'),
      'apiVersion networking.internal.knative.dev/v1alpha1 kind KIngress',
    ],
    [
      'no apiVersion and kind',
      plain.replace(/^apiVersion:.*\n/m, '').replace(/^kind:.*\n/m, ''),
      'apiVersion <none> kind <none>',
    ],
  ])('%s', async (_what, input, type) => {
    const r = await run(['render', '-f', '-'], input);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `document 0 (test-ns/reconciling-ingress) in <stdin>: ${type} looks like a KIngress; want apiVersion networking.internal.knative.dev/v1alpha1, kind Ingress`,
    );
  });

  test('a Kubernetes Ingress, a ConfigMap or another kind of the KIngress group is still only skipped with a note', async () => {
    const other =
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: a.example.com}]}\n---\n' +
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n' +
      'apiVersion: networking.internal.knative.dev/v1alpha1\nkind: ClusterDomainClaim\nmetadata: {name: hello.example.org}\nspec: {namespace: default}\n';
    const r = await run(['render', '-f', '-'], `${other}---\n${plain}`);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'document 0 (web) in <stdin>: skipped, kind networking.k8s.io/v1/Ingress is not a KIngress',
    );
    expect(r.stderr).toContain('document 1 (c) in <stdin>: skipped, kind v1/ConfigMap is not a KIngress');
    expect(r.stderr).toContain(
      'document 2 (hello.example.org) in <stdin>: skipped, kind networking.internal.knative.dev/v1alpha1/ClusterDomainClaim is not a KIngress',
    );
    expect(r.stdout).toContain('name: reconciling-ingress-ingress');
  });
});

describe('render -f DIR', () => {
  test('reads the .yaml/.yml/.json files of the directory in name order, nothing else, not recursively', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-dir-'));
    writeFileSync(join(dir, 'b.yml'), readFileSync(fixture('path-rewrite-headers.yaml')));
    writeFileSync(join(dir, 'a.yaml'), plain);
    writeFileSync(join(dir, 'README.md'), '# not YAML: [');
    mkdirSync(join(dir, 'nested.yaml'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.yaml'), 'not: [valid');
    const fromDir = await run(['render', '-f', dir]);
    const fromFiles = await run(['render', '-f', join(dir, 'a.yaml'), '-f', join(dir, 'b.yml')]);
    expect(fromDir.code).toBe(0);
    expect(fromDir.stdout).toBe(fromFiles.stdout);
    expect(fromDir.stdout).toContain('name: shop-ingress');
  });

  test('a directory without such files says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-empty-'));
    const r = await run(['render', '-f', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`render: ${dir}: no .yaml/.yml/.json files in this directory\n`);
  });
});

describe('render: files that are not there or not files, in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-missing-'));
  test.each([
    [
      '-f of a missing file',
      ['-f', join(dir, 'nope.yaml')],
      `render: ${join(dir, 'nope.yaml')}: no such file or directory\n`,
    ],
    [
      '--config-istio of a missing file',
      ['-f', fixture('reconcile-plain.yaml'), '--config-istio', join(dir, 'nope.yaml')],
      `render: ${join(dir, 'nope.yaml')}: no such file or directory\n`,
    ],
    [
      '--config-istio of a directory',
      ['-f', fixture('reconcile-plain.yaml'), '--config-istio', dir],
      `render: ${dir}: is a directory, want a file\n`,
    ],
    [
      '--config-network of a directory',
      ['-f', fixture('reconcile-plain.yaml'), '--config-network', dir],
      `render: ${dir}: is a directory, want a file\n`,
    ],
  ])('%s', async (_what, args, message) => {
    const r = await run(['render', ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(message);
    expect(r.stderr).not.toMatch(/ENOENT|EISDIR/);
  });
});

describe('render: a config file of the wrong kind says what it is', () => {
  test.each([
    [
      'config-network given as config-istio',
      ['--config-istio', fixture('cluster-local-tls.config-network.yaml')],
      'ConfigMap "config-network", want "config-istio"',
    ],
    [
      'config-istio given as config-network',
      ['--config-network', fixture('old-format.config-istio.yaml')],
      'ConfigMap "config-istio", want "config-network"',
    ],
    [
      'a KIngress given as config-istio',
      ['--config-istio', fixture('reconcile-plain.yaml')],
      'a networking.internal.knative.dev/v1alpha1 Ingress, want the config-istio ConfigMap (v1) or its data map',
    ],
  ])('%s', async (_what, args, message) => {
    const r = await run(['render', '-f', fixture('reconcile-plain.yaml'), ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a bare data map is still accepted', async () => {
    const r = await run([
      'render',
      '-f',
      fixture('reconcile-plain.yaml'),
      '--config-istio',
      fixture('mesh-only.config-istio.yaml'),
    ]);
    expect(r.code).toBe(0);
  });
});
