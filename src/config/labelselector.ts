// Kubernetes metav1.LabelSelector as it appears in config-istio (`labelSelector` of a gateway) and
// config-network (`namespace-wildcard-cert-selector`): decoding from YAML the way Go's
// sigs.k8s.io/yaml + encoding/json would, validation with the messages of
// metav1.LabelSelectorAsSelector, and matching with Kubernetes semantics.

import { isRecord } from '../api/json.js';
import { err, ok, type Result } from '../api/result.js';

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  /** One of {@link LabelSelectorOperator} once validated; decoded input may hold anything. */
  operator: LabelSelectorOperator | (string & {});
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const OPERATORS: ReadonlySet<string> = new Set<LabelSelectorOperator>(['In', 'NotIn', 'Exists', 'DoesNotExist']);

// --- validation (messages follow k8s.io/apimachinery/pkg/util/validation) -----------------------

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

// Go's RegexError puts two spaces before each "or": the messages are kept byte for byte.
function regexError(msg: string, regex: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${regex}')`;
}

const DNS1123_SUBDOMAIN_MSG = regexError(
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*',
  'example.com',
);
const QUALIFIED_NAME_MSG = regexError(
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
  'MyName',
  'my.name',
  '123-abc',
);
const LABEL_VALUE_MSG = regexError(
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?',
  'MyValue',
  'my_value',
  '12345',
);

/** Problems with `value` as a DNS-1123 subdomain (e.g. a Service host); empty when valid. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_MSG);
  return errs;
}

function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const errs: string[] = [];
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME.test(name)) errs.push(`name part ${QUALIFIED_NAME_MSG}`);
  return errs;
}

function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) errs.push(LABEL_VALUE_MSG);
  return errs;
}

// Go's %#v of a []string, as field.Invalid prints it.
function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined) return '[]string(nil)';
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

// One labels.NewRequirement: all field errors of the requirement, aggregated like utilerrors.
function requirementError(key: string, operator: string, values: readonly string[] | undefined): string | undefined {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  const count = values?.length ?? 0;
  if ((operator === 'In' || operator === 'NotIn') && count === 0) {
    errs.push(
      `values: Invalid value: ${goStringSlice(values)}: for 'in', 'notin' operators, values set can't be empty`,
    );
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && count > 0) {
    errs.push(
      `values: Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`,
    );
  }
  (values ?? []).forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: ${valueErrs.join('; ')}`);
  });
  if (errs.length === 0) return undefined;
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/**
 * Why `sel` cannot become a labels.Selector, or undefined when it can. The first bad requirement wins;
 * matchLabels are checked (in sorted key order, for determinism) before matchExpressions, as in Go.
 */
export function validateLabelSelector(sel: LabelSelector | undefined): string | undefined {
  if (sel === undefined) return undefined;
  for (const key of Object.keys(sel.matchLabels ?? {}).sort()) {
    const problem = requirementError(key, '=', [sel.matchLabels![key]!]); // matchLabels are equality requirements
    if (problem !== undefined) return problem;
  }
  for (const expr of sel.matchExpressions ?? []) {
    if (!OPERATORS.has(expr.operator)) return `${JSON.stringify(expr.operator)} is not a valid label selector operator`;
    const problem = requirementError(expr.key, expr.operator, expr.values);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

// --- matching --------------------------------------------------------------------------------------

function requirementMatches(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.hasOwn(labels, req.key);
  const listed = present && (req.values ?? []).includes(labels[req.key]!);
  switch (req.operator) {
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      return false; // unreachable after validation; an invalid selector selects nothing
  }
}

/** Kubernetes selector semantics: every requirement must hold; an empty selector matches everything. */
export function matchesLabelSelector(
  sel: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  const byLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => Object.hasOwn(have, k) && have[k] === v);
  return byLabels && (sel.matchExpressions ?? []).every((req) => requirementMatches(req, have));
}

// --- decoding from a loaded YAML value -------------------------------------------------------------

/** The JSON type name Go's encoding/json reports in an UnmarshalTypeError. */
export function jsonKind(raw: unknown): string {
  if (Array.isArray(raw)) return 'array';
  if (typeof raw === 'boolean') return 'bool';
  return typeof raw; // 'string' | 'number' | 'object'
}

/**
 * A YAML scalar bound for a Go string field. sigs.k8s.io/yaml turns scalars into strings when the
 * target is a string (`name: 123` works); JSON null leaves the field as it was (undefined here).
 */
export function decodeGoString(raw: unknown, field: string): Result<string | undefined> {
  if (raw === null || raw === undefined) return ok(undefined);
  if (typeof raw === 'string') return ok(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean') return ok(String(raw));
  return err(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${field} of type string`);
}

function decodeStringMap(raw: unknown, field: string): Result<Record<string, string> | undefined> {
  if (raw === null) return ok(undefined);
  if (!isRecord(raw)) {
    return err(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${field} of type map[string]string`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const s = decodeGoString(v, field);
    if (!s.ok) return s;
    out[k] = s.value ?? '';
  }
  return ok(out);
}

function decodeStringList(raw: unknown, field: string): Result<string[] | undefined> {
  if (raw === null) return ok(undefined);
  if (!Array.isArray(raw)) {
    return err(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${field} of type []string`);
  }
  const out: string[] = [];
  for (const item of raw) {
    const s = decodeGoString(item, field);
    if (!s.ok) return s;
    out.push(s.value ?? '');
  }
  return ok(out);
}

function decodeRequirement(raw: unknown, field: string): Result<LabelSelectorRequirement> {
  const req: LabelSelectorRequirement = { key: '', operator: '' };
  if (raw === null) return ok(req);
  if (!isRecord(raw)) {
    return err(
      `json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${field} of type v1.LabelSelectorRequirement`,
    );
  }
  // encoding/json matches object keys to fields case-insensitively; the last match wins.
  for (const [k, v] of Object.entries(raw)) {
    const name = k.toLowerCase();
    if (name === 'key' || name === 'operator') {
      const s = decodeGoString(v, `${field}.${name}`);
      if (!s.ok) return s;
      if (s.value !== undefined) req[name] = s.value;
    } else if (name === 'values') {
      const list = decodeStringList(v, `${field}.values`);
      if (!list.ok) return list;
      if (list.value === undefined) delete req.values;
      else req.values = list.value;
    }
  }
  return ok(req);
}

/**
 * Decodes an already-loaded YAML value as a metav1.LabelSelector. `null` is "no selector" (undefined),
 * which differs from `{}` (selects everything). Unknown fields are ignored. `field` names the Go
 * struct field for type errors, e.g. `Gateway.labelSelector`.
 */
export function decodeLabelSelector(raw: unknown, field: string): Result<LabelSelector | undefined> {
  if (raw === null || raw === undefined) return ok(undefined);
  if (!isRecord(raw)) {
    return err(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${field} of type v1.LabelSelector`);
  }
  const sel: LabelSelector = {};
  for (const [k, v] of Object.entries(raw)) {
    const name = k.toLowerCase();
    if (name === 'matchlabels') {
      const labels = decodeStringMap(v, `${field}.matchLabels`);
      if (!labels.ok) return labels;
      if (labels.value === undefined) delete sel.matchLabels;
      else sel.matchLabels = labels.value;
    } else if (name === 'matchexpressions') {
      if (v === null) {
        delete sel.matchExpressions;
        continue;
      }
      if (!Array.isArray(v)) {
        return err(
          `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field}.matchExpressions of type []v1.LabelSelectorRequirement`,
        );
      }
      const exprs: LabelSelectorRequirement[] = [];
      for (const item of v) {
        const req = decodeRequirement(item, `${field}.matchExpressions`);
        if (!req.ok) return req;
        exprs.push(req.value);
      }
      sel.matchExpressions = exprs;
    }
  }
  return ok(sel);
}
