// Jest globalSetup (integration project only): start ONE control plane for the whole run.
// Fails loudly if the binaries cannot be built or the control plane does not come up — never skips.
//
// Jest loads globalSetup through Node's own ESM loader: ts-jest transpiles this file, but its
// relative imports are resolved natively (no moduleNameMapper, no .ts support on Node 20). So this file
// has no runtime relative imports: it transpiles controlplane.ts (which imports only node: builtins and
// js-yaml) with the TypeScript compiler API into node_modules/.cache and imports that.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { ControlPlane } from './controlplane.js';

type ControlPlaneModule = typeof import('./controlplane.js');

const CONTROL_PLANE_GLOBAL = '__NET_HIGRESS_CONTROL_PLANE__';

async function loadControlPlaneModule(): Promise<ControlPlaneModule> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outDir = path.resolve(here, '..', '..', 'node_modules', '.cache', 'net-higress-harness');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  const source = readFileSync(path.join(here, 'controlplane.ts'), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: 'controlplane.ts',
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  // A unique name per run: Node caches ESM modules by URL.
  const file = path.join(outDir, `controlplane-${process.pid}.js`);
  writeFileSync(file, out.outputText);
  try {
    return (await import(pathToFileURL(file).href)) as ControlPlaneModule;
  } finally {
    rmSync(file, { force: true });
  }
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const { startControlPlane, SECRET_AUDIT_POLICY } = await loadControlPlaneModule();
  const cp: ControlPlane = await startControlPlane({
    log: (m) => process.stderr.write(`[net-higress control plane] ${m}\n`),
    // Tests prove which Secrets the operator read (and never read) from the API server's own record.
    auditPolicy: SECRET_AUDIT_POLICY,
  });
  // globalSetup and globalTeardown run in the same (parent) process; tests see the env vars.
  (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL] = cp;
  process.env.KUBECONFIG = cp.kubeconfigPath;
  process.env.NET_HIGRESS_TEST_KUBECONFIG = cp.kubeconfigPath;
  if (cp.auditLogPath) process.env.NET_HIGRESS_TEST_AUDIT_LOG = cp.auditLogPath;
  process.stderr.write(`[net-higress control plane] ${cp.server} ready in ${Date.now() - t0} ms (dir ${cp.dir})\n`);
}
