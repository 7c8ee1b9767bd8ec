import { err, ok, type Result } from '../api/result.js';

// Checking Knative's domain-template and tag-template without Go's text/template.
// We cannot run Go's text/template, so this is a small evaluator for the subset Knative templates
// use: `{{.Field}}` chains, `{{index .Annotations "k"}}`, `{{if}}/{{else}}/{{else if}}/{{end}}`,
// comments and `{{-`/`-}}` trimming. Anything else is rejected as unsupported. Values are Go's:
// the check renders with Name=foo, Namespace=bar, Domain=baz.com and nil Annotations/Labels.

type Value =
  | { k: 'str'; v: string }
  | { k: 'map'; v: Readonly<Record<string, string>> | null }
  | { k: 'struct'; type: string; fields: Readonly<Record<string, Value>> }
  | { k: 'none' }; // Go's invalid reflect.Value: a missing map key, printed "<no value>"

const s = (v: string): Value => ({ k: 'str', v });
const NIL_MAP: Value = { k: 'map', v: null };
const DOMAIN_VALUES: Value = {
  k: 'struct',
  type: 'config.DomainTemplateValues',
  fields: { Name: s('foo'), Namespace: s('bar'), Domain: s('baz.com'), Annotations: NIL_MAP, Labels: NIL_MAP },
};
const TAG_VALUES: Value = { k: 'struct', type: 'config.TagTemplateValues', fields: { Name: s('foo'), Tag: s('v2') } };

type Operand = { field: string } | { literal: string };
type Pipe = { index: boolean; args: Operand[]; text: string };
type TNode =
  | { t: 'text'; text: string }
  | { t: 'print'; pipe: Pipe }
  | { t: 'if'; branches: Array<{ cond: Pipe; body: TNode[] }>; otherwise: TNode[] };

const GO_BUILTINS = new Set([
  'and',
  'call',
  'html',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'slice',
  'urlquery',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'true',
  'false',
  'nil',
]);
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\.[A-Za-z0-9_.]*|[A-Za-z_][A-Za-z0-9_]*|\S)/y;

function parsePipe(tokens: string[], text: string): Result<Pipe> {
  const operand = (tok: string): Operand | undefined => {
    if (tok.startsWith('.')) return { field: tok };
    if (tok.startsWith('"')) {
      try {
        return { literal: JSON.parse(tok) as string };
      } catch {
        return undefined;
      } // Go-only escapes
    }
    if (tok.startsWith('`')) return { literal: tok.slice(1, -1) };
    return undefined;
  };
  const [head, ...rest] = tokens;
  if (head === undefined) return err('missing value for command');
  if (head === 'index') {
    const args = rest.map(operand);
    if (args.length < 2 || args.some((a) => a === undefined))
      return err(`unsupported arguments to index in {{${text}}}`);
    return ok({ index: true, args: args as Operand[], text });
  }
  const single = operand(head);
  if (single !== undefined && rest.length === 0) return ok({ index: false, args: [single], text });
  if (/^[A-Za-z_]/.test(head) && !GO_BUILTINS.has(head)) return err(`function "${head}" not defined`);
  return err(`unsupported action {{${text}}} (only fields, index, if/else/end are checked)`);
}

type IfNode = Extract<TNode, { t: 'if' }>;
const UNSUPPORTED_KEYWORDS = new Set(['range', 'with', 'define', 'template', 'block', 'break', 'continue']);

function parseTemplate(src: string): Result<TNode[]> {
  const root: TNode[] = [];
  const frames: Array<{ node: IfNode; inElse: boolean }> = []; // the open {{if}}s, innermost last
  const target = (): TNode[] => {
    const f = frames.at(-1);
    if (f === undefined) return root;
    return f.inElse ? f.node.otherwise : f.node.branches.at(-1)!.body;
  };
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const start = src.indexOf('{{', i);
    let text = src.slice(i, start < 0 ? src.length : start);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    let j = start + 2;
    if (start >= 0 && src[j] === '-' && /[ \t\r\n]/.test(src[j + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 2;
    }
    if (text !== '') target().push({ t: 'text', text });
    if (start < 0) break;
    const end = findActionEnd(src, j);
    if (end < 0) return err('unclosed action');
    trimNext = src[end - 1] === '-' && /[ \t\r\n]/.test(src[end - 2] ?? '');
    const inner = src.slice(j, trimNext ? end - 2 : end).trim();
    i = end + 2;
    if (inner.startsWith('/*') && inner.endsWith('*/')) continue;

    const tokens: string[] = [];
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(inner); m !== null; m = TOKEN.exec(inner)) tokens.push(m[1]!);
    const frame = frames.at(-1);
    const elseIf = tokens[0] === 'else' && tokens[1] === 'if';
    if (tokens[0] === 'if' || elseIf) {
      const cond = parsePipe(tokens.slice(elseIf ? 2 : 1), inner);
      if (!cond.ok) return cond;
      if (!elseIf) {
        const node: IfNode = { t: 'if', branches: [{ cond: cond.value, body: [] }], otherwise: [] };
        target().push(node);
        frames.push({ node, inElse: false });
      } else {
        if (frame === undefined || frame.inElse) return err('unexpected {{else}}');
        frame.node.branches.push({ cond: cond.value, body: [] });
      }
    } else if (tokens[0] === 'else') {
      if (frame === undefined || frame.inElse || tokens.length > 1) return err('unexpected {{else}}');
      frame.inElse = true;
    } else if (tokens[0] === 'end') {
      if (frame === undefined || tokens.length > 1) return err('unexpected {{end}}');
      frames.pop();
    } else if (UNSUPPORTED_KEYWORDS.has(tokens[0] ?? '')) {
      return err(`unsupported action {{${inner}}} (only fields, index, if/else/end are checked)`);
    } else {
      const pipe = parsePipe(tokens, inner);
      if (!pipe.ok) return pipe;
      target().push({ t: 'print', pipe: pipe.value });
    }
  }
  if (frames.length > 0) return err('unexpected EOF');
  return ok(root);
}

// The "}}" closing the action at `from`, skipping quoted strings.
function findActionEnd(src: string, from: number): number {
  for (let k = from; k < src.length - 1; k++) {
    const c = src[k];
    if (c === '"' || c === '`') {
      const close = c === '"' ? /"(?:[^"\\]|\\.)*"/y : /`[^`]*`/y;
      close.lastIndex = k;
      if (!close.test(src)) return -1;
      k = close.lastIndex - 1;
    } else if (c === '}' && src[k + 1] === '}') {
      return k;
    }
  }
  return -1;
}

function evalPipe(pipe: Pipe, dot: Value): Result<Value> {
  const evalOperand = (op: Operand): Result<Value> => {
    if ('literal' in op) return ok(s(op.literal));
    let cur = dot;
    for (const name of op.field.split('.').filter((p) => p !== '')) {
      if (cur.k === 'struct' && Object.hasOwn(cur.fields, name)) cur = cur.fields[name]!;
      else if (cur.k === 'map') cur = cur.v !== null && Object.hasOwn(cur.v, name) ? s(cur.v[name]!) : { k: 'none' };
      else if (cur.k === 'none') return err(`nil pointer evaluating interface {}.${name}`);
      else return err(`can't evaluate field ${name} in type ${cur.k === 'str' ? 'string' : cur.type}`);
    }
    return ok(cur);
  };
  const first = evalOperand(pipe.args[0]!);
  if (!first.ok || !pipe.index) return first;
  let cur = first.value;
  for (const op of pipe.args.slice(1)) {
    const key = evalOperand(op);
    if (!key.ok) return key;
    if (cur.k === 'none') return err('error calling index: index of untyped nil');
    if (cur.k !== 'map' || key.value.k !== 'str')
      return err('error calling index: cannot index with a non-string key or a non-map value');
    cur = s(cur.v?.[key.value.v] ?? ''); // a missing key yields the zero value
  }
  return ok(cur);
}

function goPrint(v: Value): string {
  switch (v.k) {
    case 'str':
      return v.v;
    case 'none':
      return '<no value>';
    case 'map':
      return `map[${Object.keys(v.v ?? {})
        .sort()
        .map((k) => `${k}:${v.v![k]}`)
        .join(' ')}]`;
    case 'struct':
      return `{${Object.values(v.fields).map(goPrint).join(' ')}}`;
  }
}

const truthy = (v: Value): boolean =>
  v.k === 'str' ? v.v !== '' : v.k === 'map' ? Object.keys(v.v ?? {}).length > 0 : v.k === 'struct';

function execute(nodes: readonly TNode[], dot: Value, name: string): Result<string> {
  let out = '';
  for (const node of nodes) {
    if (node.t === 'text') {
      out += node.text;
      continue;
    }
    if (node.t === 'print') {
      const v = evalPipe(node.pipe, dot);
      if (!v.ok) return err(`executing "${name}" at <${node.pipe.text}>: ${v.error}`);
      out += goPrint(v.value);
      continue;
    }
    let chosen: readonly TNode[] = node.otherwise;
    for (const branch of node.branches) {
      const c = evalPipe(branch.cond, dot);
      if (!c.ok) return err(`executing "${name}" at <${branch.cond.text}>: ${c.error}`);
      if (truthy(c.value)) {
        chosen = branch.body;
        break;
      }
    }
    const inner = execute(chosen, dot, name);
    if (!inner.ok) return inner;
    out += inner.value;
  }
  return ok(out);
}

function renderTemplate(name: string, src: string, values: Value): Result<string> {
  const parsed = parseTemplate(src);
  if (!parsed.ok) return err(`template: ${name}: ${parsed.error}`);
  const out = execute(parsed.value, values, name);
  return out.ok ? out : err(`template: ${name}: ${out.error}`);
}

// `https://` + rendered must parse (Go net/url rules for the host), have a hostname and no path/query.
export function checkDomainTemplate(src: string): string | undefined {
  const rendered = renderTemplate('domain-template', src, DOMAIN_VALUES);
  if (!rendered.ok) return rendered.error;
  const url = `https://${rendered.value}`;
  const bad = (why: string): string => `domain-template: parse ${JSON.stringify(url)}: ${why}`;
  if (/[\x00-\x1f\x7f]/.test(url)) return bad('net/url: invalid control character in URL');
  let rest = rendered.value.split('#')[0]!;
  let query: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const badChar = /[\x20-\x7e]/.exec(host.replace(/[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]/g, ''));
  if (badChar !== null) return bad(`invalid character ${JSON.stringify(badChar[0])} in host name`);
  const colon = host.lastIndexOf(':');
  const hostname = host.startsWith('[')
    ? host.slice(1, Math.max(1, host.indexOf(']')))
    : colon < 0
      ? host
      : host.slice(0, colon);
  if (!host.startsWith('[') && colon >= 0 && !/^:\d*$/.test(host.slice(colon))) {
    return bad(`invalid port ${JSON.stringify(host.slice(colon))} after host`);
  }
  if (hostname === '') return 'domain-template: empty hostname';
  const requestURI = (path || '/') + (query === undefined ? '' : `?${query}`);
  if (requestURI !== '/') return `domain-template: domain template has url path: ${requestURI}`;
  return undefined;
}

/** The tag template must render with Name=foo, Tag=v2. */
export function checkTagTemplate(src: string): string | undefined {
  const rendered = renderTemplate('tag-template', src, TAG_VALUES);
  return rendered.ok ? undefined : rendered.error;
}
