import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TemplateFailure } from './go-template-parse.js';
import { Templates } from './go-template.js';

/** The renderer against outputs Go's text/template gives for the same templates. */
function render(source: string, data: unknown = {}): string {
  const templates = new Templates();
  templates.add('t', source);
  return templates.render('t', data);
}

describe('the Go template renderer of the chart tests', () => {
  it('trims whitespace at {{- and -}} and drops comments', () => {
    assert.equal(render('a  {{- "b" -}}  \n c{{/* gone */}}d'), 'abcd');
    assert.equal(render('x\n{{- /* trimmed */ -}}\ny'), 'xy');
  });

  it('branches on Go truth: empty strings, zero, nil and empty maps are false', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    assert.equal(render(t, { a: 'x' }), 'A');
    assert.equal(render(t, { a: '', b: 1 }), 'B');
    assert.equal(render(t, { a: 0, b: {} }), 'C');
  });

  it('binds the dot in with and range, and keeps variables', () => {
    assert.equal(render('{{ with .m }}{{ .k }}{{ end }}', { m: { k: 'v' } }), 'v');
    assert.equal(render('{{ range .l }}[{{ . }}]{{ end }}', { l: [1, 2] }), '[1][2]');
    assert.equal(render('{{ $x := add 1 2 }}{{ $x = mul $x 2 }}{{ $x }}'), '6');
  });

  it('reads a field of a parenthesised value only when written against it', () => {
    const data = { a: { b: 'yes' }, c: 'arg' };
    assert.equal(render('{{ (.a | default dict).b }}', data), 'yes');
    assert.equal(render('{{ printf "%s %s" (.c) .a.b }}', data), 'arg yes');
  });

  it('includes defines with their own dot, and pipes the last value as the last argument', () => {
    const t =
      '{{- define "n" -}}<{{ .x }}>{{- end -}}{{ include "n" (dict "x" "y") | printf "%s!" }}';
    assert.equal(render(t), '<y>!');
    assert.equal(render('{{ "abc-" | trimSuffix "-" | quote }}'), '"abc"');
    assert.equal(render('{{ toYaml .m | nindent 2 }}', { m: { a: 1 } }), '\n  a: 1');
  });

  it('fails as Helm does: fail, a field of nil, an unknown function', () => {
    assert.throws(() => render('{{ fail "no" }}'), TemplateFailure);
    assert.throws(() => render('{{ .a.b }}', {}), /nil pointer/);
    assert.throws(() => render('{{ nosuch 1 }}'), /unknown function/);
  });
});
