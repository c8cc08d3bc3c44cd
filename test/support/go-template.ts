import { createHash } from 'node:crypto';

import { stringify } from 'yaml';

import type { Expr, Node, Value } from './go-template-parse.js';
import { parse, TemplateFailure, tokenize } from './go-template-parse.js';

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

/**
 * Enough of Go's text/template and Helm's functions to render deploy/helm/alert-publisher in
 * a test, where no helm binary runs: trim markers, comments, define/include, if/else if/else,
 * with, range over lists, variables, pipelines, parenthesised expressions with fields, methods
 * of fields (`.Files.Get`), and the functions the chart calls. Stricter than Helm where that catches mistakes: a field of nil,
 * an unknown function and printing a map or list are errors.
 */
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
      case 'method': {
        const method = this.eval(expr.method, scope);
        if (typeof method !== 'function')
          throw new TemplateFailure('calling a field that is no method');
        const args = [...expr.args.map((arg) => this.eval(arg, scope)), ...piped];
        return (method as (...values: Value[]) => Value)(...args);
      }
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
