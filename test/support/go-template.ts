import { createHash } from 'node:crypto';

import { stringify } from 'yaml';

/**
 * Enough of Go's text/template and Helm's functions to render deploy/helm/alert-publisher in
 * a test, where no helm binary runs: trim markers, comments, define/include, if/else if/else,
 * with, range over lists, variables, pipelines, parenthesised expressions with fields, and the
 * functions the chart calls. Stricter than Helm where that catches mistakes: a field of nil,
 * an unknown function and printing a map or list are errors.
 */
export class TemplateFailure extends Error {
  override readonly name = 'TemplateFailure';
}

type Value = unknown;

type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; base: 'dot' | 'root' | { variable: string } | { expr: Expr }; path: string[] }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'pipe'; commands: Expr[] };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; expr: Expr }
  | { kind: 'assign'; variable: string; expr: Expr; declare: boolean }
  | { kind: 'if'; branches: { cond: Expr; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'with'; expr: Expr; body: Node[]; otherwise: Node[] }
  | { kind: 'range'; expr: Expr; body: Node[] };

interface Action {
  text: string;
}
type Token = string | Action;

/** Splits text and actions, applying the `{{-` and `-}}` trim markers and dropping comments. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let rest = source;
  let trimNext = false;
  for (;;) {
    const open = rest.indexOf('{{');
    let text = open < 0 ? rest : rest.slice(0, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text !== '') tokens.push(text);
      return tokens;
    }
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new TemplateFailure('unclosed action');
    let inner = rest.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = inner.endsWith(' -');
    if (trimNext) inner = inner.slice(0, -1);
    if (text !== '') tokens.push(text);
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) tokens.push({ text: inner });
    rest = rest.slice(close + 2);
  }
}

/** Words of an action: strings, numbers, names, `(`, `)`, `|`, `:=`, `=`, `,`. */
function lex(text: string): string[] {
  const words: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|[()|=,]|\(|[^\s()|,]+)/y;
  pattern.lastIndex = 0;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (match === null) {
      if (/^\s*$/.test(text.slice(pattern.lastIndex))) break;
      throw new TemplateFailure(`cannot read "${text}"`);
    }
    const word = match[1];
    if (word === undefined) continue;
    // `(x).field`: a field of the parenthesised value only when nothing separates them.
    const attached = word.startsWith('.') && words.at(-1) === ')' && !/^\s/.test(match[0]);
    words.push(attached ? `${FIELD_OF_GROUP}${word}` : word);
  }
  return words;
}

/** Marks a field chain written right after `)`. */
const FIELD_OF_GROUP = '\u0000';

class ExprParser {
  private at = 0;
  constructor(private readonly words: string[]) {}

  done(): boolean {
    return this.at >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.at];
  }

  take(expected?: string): string {
    const word = this.words[this.at];
    if (word === undefined || (expected !== undefined && word !== expected))
      throw new TemplateFailure(`expected ${expected ?? 'more'} in "${this.words.join(' ')}"`);
    this.at += 1;
    return word;
  }

  pipeline(): Expr {
    const commands = [this.command()];
    while (this.peek() === '|') {
      this.take('|');
      commands.push(this.command());
    }
    return commands.length === 1 && commands[0] !== undefined
      ? commands[0]
      : { kind: 'pipe', commands };
  }

  private command(): Expr {
    const word = this.peek();
    if (word !== undefined && /^[A-Za-z][A-Za-z0-9_]*$/.test(word) && !isKeywordValue(word)) {
      this.take();
      const args: Expr[] = [];
      while (!this.done() && this.peek() !== '|' && this.peek() !== ')' && this.peek() !== ',')
        args.push(this.operand());
      return { kind: 'call', name: word, args };
    }
    return this.operand();
  }

  private operand(): Expr {
    const word = this.take();
    if (word === '(') {
      const inner = this.pipeline();
      this.take(')');
      const next = this.peek();
      if (next?.startsWith(FIELD_OF_GROUP) === true) {
        this.take();
        return { kind: 'field', base: { expr: inner }, path: fieldPath(next.slice(1)) };
      }
      return inner;
    }
    if (word.startsWith('"')) return { kind: 'literal', value: JSON.parse(word) as string };
    if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
    if (/^-?\d+$/.test(word)) return { kind: 'literal', value: Number(word) };
    if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
    if (word === 'nil') return { kind: 'literal', value: undefined };
    if (word === '.') return { kind: 'field', base: 'dot', path: [] };
    if (word.startsWith('.')) return { kind: 'field', base: 'dot', path: fieldPath(word) };
    if (word === '$') return { kind: 'field', base: 'root', path: [] };
    if (word.startsWith('$')) {
      const [name = '', ...path] = word.split('.');
      return name === '$'
        ? { kind: 'field', base: 'root', path }
        : { kind: 'field', base: { variable: name }, path };
    }
    if (/^[A-Za-z][A-Za-z0-9_]*$/.test(word)) return { kind: 'call', name: word, args: [] };
    throw new TemplateFailure(`unexpected "${word}"`);
  }
}

function isKeywordValue(word: string): boolean {
  return word === 'true' || word === 'false' || word === 'nil';
}

function fieldPath(word: string): string[] {
  return word.split('.').filter((part) => part !== '');
}

function parseExpr(text: string): Expr {
  const parser = new ExprParser(lex(text));
  const expr = parser.pipeline();
  if (!parser.done()) throw new TemplateFailure(`unexpected "${parser.peek() ?? ''}" in "${text}"`);
  return expr;
}

/** Parses tokens into nodes; `define` blocks go into `defines`. */
function parse(tokens: Token[], defines: Map<string, Node[]>): Node[] {
  let at = 0;
  function block(): { body: Node[]; end: string } {
    const body: Node[] = [];
    while (at < tokens.length) {
      const token = tokens[at];
      at += 1;
      if (typeof token === 'string') {
        body.push({ kind: 'text', text: token });
        continue;
      }
      const text = token?.text ?? '';
      const keyword = /^(if|else if|else|end|with|range|define)\b\s*([\s\S]*)$/.exec(text);
      if (keyword === null) {
        const assignment = /^(\$[A-Za-z0-9_]+)\s*(:?=)\s*([\s\S]+)$/.exec(text);
        if (assignment?.[1] !== undefined && assignment[3] !== undefined)
          body.push({
            kind: 'assign',
            variable: assignment[1],
            declare: assignment[2] === ':=',
            expr: parseExpr(assignment[3]),
          });
        else body.push({ kind: 'output', expr: parseExpr(text) });
        continue;
      }
      const [, word = '', rest = ''] = keyword;
      if (word === 'end' || word === 'else' || word === 'else if')
        return { body, end: word === 'else if' ? `else if ${rest}` : word };
      if (word === 'define') {
        const name = JSON.parse(rest) as string;
        const inner = block();
        if (inner.end !== 'end') throw new TemplateFailure(`define ${name} ends with ${inner.end}`);
        defines.set(name, inner.body);
      } else if (word === 'if') {
        const branches: { cond: Expr; body: Node[] }[] = [];
        let cond = parseExpr(rest);
        let otherwise: Node[] = [];
        for (;;) {
          const inner = block();
          branches.push({ cond, body: inner.body });
          if (inner.end === 'end') break;
          if (inner.end.startsWith('else if ')) {
            cond = parseExpr(inner.end.slice('else if '.length));
            continue;
          }
          if (inner.end !== 'else') throw new TemplateFailure(`if ends with ${inner.end}`);
          const tail = block();
          if (tail.end !== 'end') throw new TemplateFailure('else must end the if');
          otherwise = tail.body;
          break;
        }
        body.push({ kind: 'if', branches, otherwise });
      } else {
        const inner = block();
        let otherwise: Node[] = [];
        if (inner.end === 'else') {
          const tail = block();
          if (tail.end !== 'end') throw new TemplateFailure(`${word} … else ends with ${tail.end}`);
          otherwise = tail.body;
        } else if (inner.end !== 'end') throw new TemplateFailure(`${word} ends with ${inner.end}`);
        body.push(
          word === 'with'
            ? { kind: 'with', expr: parseExpr(rest), body: inner.body, otherwise }
            : { kind: 'range', expr: parseExpr(rest), body: inner.body },
        );
      }
    }
    return { body, end: 'eof' };
  }
  const top = block();
  if (top.end !== 'eof') throw new TemplateFailure(`unexpected {{ ${top.end} }}`);
  return top.body;
}

function isRecord(value: Value): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go template truth: false, 0, nil, "" and empty lists and maps are false. */
function truthy(value: Value): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '')
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

function toInt(value: Value): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string') {
    const parsed = Number.parseInt(value, 10);
    return Number.isNaN(parsed) ? 0 : parsed;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

function print(value: Value): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateFailure(`printing a ${Array.isArray(value) ? 'list' : 'map'} directly`);
}

function indentLines(spaces: number, text: string): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

function printf(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%([sdvq%])/g, (_whole, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[next];
    next += 1;
    if (verb === 'q') return JSON.stringify(print(arg));
    if (verb === 'd') return String(toInt(arg));
    return print(arg);
  });
}

interface Scope {
  dot: Value;
  root: Value;
  variables: Map<string, Value>;
}

export class Templates {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  add(name: string, source: string): void {
    this.files.set(name, parse(tokenize(source), this.defines));
  }

  render(name: string, data: Value): string {
    const nodes = this.files.get(name);
    if (nodes === undefined) throw new TemplateFailure(`no template ${name}`);
    return this.run(nodes, { dot: data, root: data, variables: new Map() });
  }

  private run(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'output':
          out += print(this.eval(node.expr, scope));
          break;
        case 'assign':
          if (!node.declare && !scope.variables.has(node.variable))
            throw new TemplateFailure(`${node.variable} assigned before :=`);
          scope.variables.set(node.variable, this.eval(node.expr, scope));
          break;
        case 'if': {
          const branch = node.branches.find((b) => truthy(this.eval(b.cond, scope)));
          out += this.run(branch?.body ?? node.otherwise, scope);
          break;
        }
        case 'with': {
          const value = this.eval(node.expr, scope);
          out += truthy(value)
            ? this.run(node.body, { ...scope, dot: value })
            : this.run(node.otherwise, scope);
          break;
        }
        case 'range': {
          const value = this.eval(node.expr, scope);
          const items = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
          for (const item of items) out += this.run(node.body, { ...scope, dot: item });
          break;
        }
      }
    }
    return out;
  }

  private eval(expr: Expr, scope: Scope, piped: Value[] = []): Value {
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'field': {
        let value: Value;
        if (expr.base === 'dot') value = scope.dot;
        else if (expr.base === 'root') value = scope.root;
        else if ('variable' in expr.base) {
          if (!scope.variables.has(expr.base.variable))
            throw new TemplateFailure(`undefined variable ${expr.base.variable}`);
          value = scope.variables.get(expr.base.variable);
        } else value = this.eval(expr.base.expr, scope);
        for (const key of expr.path) {
          if (!isRecord(value))
            throw new TemplateFailure(`nil pointer evaluating .${expr.path.join('.')}`);
          value = value[key];
        }
        return value;
      }
      case 'pipe': {
        let value: Value = undefined;
        expr.commands.forEach((command, index) => {
          value = this.eval(command, scope, index === 0 ? [] : [value]);
        });
        return value;
      }
      case 'call':
        return this.call(expr.name, [...expr.args.map((arg) => this.eval(arg, scope)), ...piped]);
    }
  }

  private call(name: string, args: Value[]): Value {
    const [a, b] = args;
    switch (name) {
      case 'include': {
        const nodes = this.defines.get(String(a));
        if (nodes === undefined) throw new TemplateFailure(`no define "${String(a)}"`);
        return this.run(nodes, { dot: b, root: b, variables: new Map() });
      }
      case 'fail':
        throw new TemplateFailure(String(a));
      case 'default':
        return truthy(b) ? b : a;
      case 'dict': {
        const map: Record<string, Value> = {};
        for (let i = 0; i + 1 < args.length; i += 2) map[String(args[i])] = args[i + 1];
        return map;
      }
      case 'toYaml':
        return a === undefined ? 'null' : stringify(a).replace(/\n$/, '');
      case 'nindent':
        return `\n${indentLines(toInt(a), print(b))}`;
      case 'indent':
        return indentLines(toInt(a), print(b));
      case 'quote':
        return args.map((arg) => JSON.stringify(print(arg))).join(' ');
      case 'printf':
        return printf(String(a), args.slice(1));
      case 'toString':
        return print(a);
      case 'int':
        return toInt(a);
      case 'add':
        return args.reduce<number>((sum, arg) => sum + toInt(arg), 0);
      case 'mul':
        return args.reduce<number>((product, arg) => product * toInt(arg), 1);
      case 'div':
        return Math.trunc(toInt(a) / toInt(b));
      case 'eq':
        return args.slice(1).some((arg) => arg === a);
      case 'ne':
        return a !== b;
      case 'lt':
        return toInt(a) < toInt(b);
      case 'le':
        return toInt(a) <= toInt(b);
      case 'gt':
        return toInt(a) > toInt(b);
      case 'ge':
        return toInt(a) >= toInt(b);
      case 'and':
        return args.find((arg) => !truthy(arg)) ?? args.at(-1);
      case 'or':
        return args.find((arg) => truthy(arg)) ?? args.at(-1);
      case 'not':
        return !truthy(a);
      case 'regexMatch':
        return new RegExp(String(a)).test(print(b));
      case 'trimSuffix':
        return print(b).endsWith(String(a)) ? print(b).slice(0, -String(a).length) : print(b);
      case 'trunc':
        return print(b).slice(0, toInt(a));
      case 'contains':
        return print(b).includes(String(a));
      case 'sha256sum':
        return createHash('sha256').update(print(a)).digest('hex');
      default:
        throw new TemplateFailure(`unknown function ${name}`);
    }
  }
}
