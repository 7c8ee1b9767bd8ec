import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { load, loadAll } from 'js-yaml';
import { runCLI } from './run-cli.js';

const fixture = (f: string) => new URL(`../../fixtures/translate/${f}`, import.meta.url).pathname;

const run = runCLI;

describe('net-higress render: inputs and outputs', () => {
  const yamlInput = readFileSync(fixture('reconcile-plain.yaml'), 'utf8');
  const asJSON = JSON.stringify(load(yamlInput));

  test('stdin, a JSON object and a kubectl List all give the same objects as the YAML file', async () => {
    const fromFile = await run(['render', '-f', fixture('reconcile-plain.yaml')]);
    const fromStdin = await run(['render', '-f', '-'], yamlInput);
    const fromJSON = await run(['render', '-f', '-'], asJSON);
    const fromList = await run(
      ['render', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [JSON.parse(asJSON)] }),
    );
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain('name: reconciling-ingress-ingress');
    for (const r of [fromStdin, fromJSON, fromList]) expect(r).toEqual(fromFile);
  });

  test('-f is repeatable; -o json prints one kind: List with the same items as the YAML stream', async () => {
    const files = ['-f', fixture('reconcile-plain.yaml'), '-f', fixture('path-rewrite-headers.yaml')];
    const yaml = await run(['render', ...files]);
    const json = await run(['render', ...files, '-o', 'json']);
    const list = JSON.parse(json.stdout) as { apiVersion: string; kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(loadAll(yaml.stdout));
    expect(list.items.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual([
      'reconciling-ingress-ingress',
      'shop-ingress',
    ]);
  });

  test('broken YAML names the file; nothing on stdout', async () => {
    const r = await run(['render', '-f', '-'], 'apiVersion: [unclosed');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('<stdin>: not valid YAML or JSON');
  });

  test('a schema error names the document and the field', async () => {
    const bad = yamlInput.replace('servicePort: 80', 'servicePort: [80]');
    const r = await run(['render', '-f', '-'], bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'document 0 (test-ns/reconciling-ingress) in <stdin>: spec.rules[0].http.paths[0].splits[0].servicePort',
    );
  });

  test('one invalid document among valid ones: exit 1 and nothing rendered for any', async () => {
    const r = await run(['render', '-f', fixture('reconcile-plain.yaml'), '-f', fixture('invalid.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /document 2 \(default\/bad-split\) in .*invalid.yaml: spec.rules\[0\].http.paths\[0\].splits: percents sum to 90, want 100/,
    );
  });

  test('an invalid --config-istio is an error naming the file and the problem', async () => {
    const r = await run(['render', '-f', fixture('reconcile-plain.yaml'), '--config-istio', fixture('invalid.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('want exactly one ConfigMap or data map');
  });

  test('usage errors exit 2 with the usage text', async () => {
    for (const args of [['render'], ['render', '-f', 'x', '-o', 'xml'], ['render', '--nope'], ['nope']]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Usage: net-higress');
    }
  });

  test('--ingress-class picks which KIngresses are ours', async () => {
    const r = await run([
      'render',
      '-f',
      fixture('mixed-classes.yaml'),
      '--ingress-class',
      'kourier.ingress.networking.knative.dev',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('name: kourier-ingress');
    expect(r.stdout).not.toContain('name: ours-ingress');
    expect(r.stderr).toContain('default/ours');
  });
});
