export class TemplateFailure extends Error {
  override readonly name = 'TemplateFailure';
}

export type Value = unknown;

export type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; base: 'dot' | 'root' | { variable: string } | { expr: Expr }; path: string[] }
  | { kind: 'call'; name: string; args: Expr[] }
  /** A method of a field, as `.Files.Get "path"`: the field holds a function. */
  | { kind: 'method'; method: Expr; args: Expr[] }
  | { kind: 'pipe'; commands: Expr[] };

export type Node =
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
export function tokenize(source: string): Token[] {
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
    const first = this.operand();
    if (first.kind !== 'field' || first.path.length === 0) return first;
    const args: Expr[] = [];
    while (!this.done() && this.peek() !== '|' && this.peek() !== ')' && this.peek() !== ',')
      args.push(this.operand());
    return args.length === 0 ? first : { kind: 'method', method: first, args };
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
export function parse(tokens: Token[], defines: Map<string, Node[]>): Node[] {
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
