/**
 * Where a JSON text stops being JSON (RFC 8259), for a 400 that points at the mistake. JSON.parse
 * does not say so portably: Node 20 and 24 give "at position N" for some mistakes and, for others,
 * quote the body back ("Unexpected token '}', "{"a":}" is not valid JSON"), which an error answer
 * must not echo. Run only after JSON.parse has refused the text. The scan recurses once per
 * nesting level: a text nested deeper than the stack allows (JSON.parse, iterative, refuses it
 * with a SyntaxError at its end) gets no position.
 */
export interface JsonSyntaxError {
  /** Offset of the first character that cannot continue the text (its length at a cut end). */
  offset: number;
  line: number;
  column: number;
  /** "unexpected end of input" or `unexpected character "}"`. */
  problem: string;
}

/** Thrown from deep in the scan to its top: the offset where the text stopped being JSON. */
class Stop extends Error {
  constructor(readonly offset: number) {
    super('not JSON');
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    return scan(text);
  } catch (error: unknown) {
    if (error instanceof RangeError) return undefined; // deeper than the stack
    throw error;
  }
}

function scan(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (): never => {
    throw new Stop(i);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (char: string): void => {
    if (text.charAt(i) !== char) fail();
    i++;
  };
  const digits = (): void => {
    if (!isDigit(text.charAt(i))) fail();
    while (isDigit(text.charAt(i))) i++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const char = text.charAt(i);
      if (char === '"') {
        i++;
        return;
      }
      if (char === '' || char < ' ') fail();
      if (char === '\\') {
        i++;
        const escape = text.charAt(i);
        if (escape === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/^[0-9a-fA-F]$/.test(text.charAt(i))) fail();
          }
        } else if (!'"\\/bfnrt'.includes(escape) || escape === '') fail();
      }
      i++;
    }
  };
  const members = (close: string, member: () => void): void => {
    i++;
    skipSpace();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text.charAt(i) === close) {
        i++;
        return;
      }
      expect(',');
      skipSpace();
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text.charAt(i);
    if (char === '{') {
      members('}', () => {
        string();
        skipSpace();
        expect(':');
        value();
      });
    } else if (char === '[') {
      members(']', value);
    } else if (char === '"') {
      string();
    } else if (char === '-' || isDigit(char)) {
      if (char === '-') i++;
      if (text.charAt(i) === '0') i++;
      else digits();
      if (text.charAt(i) === '.') {
        i++;
        digits();
      }
      if (text.charAt(i) === 'e' || text.charAt(i) === 'E') {
        i++;
        if (text.charAt(i) === '+' || text.charAt(i) === '-') i++;
        digits();
      }
    } else {
      const literal = ['true', 'false', 'null'].find((word) => word.startsWith(char || ' '));
      if (literal === undefined) return fail();
      for (const expected of literal) expect(expected);
    }
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return undefined;
  } catch (error: unknown) {
    if (!(error instanceof Stop)) throw error;
    return located(text, error.offset);
  }
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

function located(text: string, offset: number): JsonSyntaxError {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const char = text.charAt(offset);
  const problem =
    char === '' ? 'unexpected end of input' : `unexpected character ${JSON.stringify(char)}`;
  return { offset, line, column, problem };
}
