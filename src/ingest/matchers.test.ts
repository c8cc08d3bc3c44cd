import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { matchesAll, parseMatcher, parseMatchers } from './matchers.js';

describe('parseMatcher', () => {
  const valid: [string, string, string, string][] = [
    ['severity=critical', 'severity', '=', 'critical'],
    ['severity="critical"', 'severity', '=', 'critical'],
    ['  team  !=  "db"  ', 'team', '!=', 'db'],
    ['severity=~"critical|warning"', 'severity', '=~', 'critical|warning'],
    ['env!~staging|dev', 'env', '!~', 'staging|dev'],
    ['empty=""', 'empty', '=', ''],
    ['empty=', 'empty', '=', ''],
    ['quote="say \\"hi\\""', 'quote', '=', 'say "hi"'],
    ['newline="a\\nb"', 'newline', '=', 'a\nb'],
    ['backslash="a\\\\b"', 'backslash', '=', 'a\\b'],
    ['spurious="a\\db"', 'spurious', '=', 'a\\db'],
    ['trailing=a\\', 'trailing', '=', 'a\\'],
    ['path="/a,b=c"', 'path', '=', '/a,b=c'],
    ['__name__:x=up', '__name__:x', '=', 'up'],
    ['v=a=b', 'v', '=', 'a=b'],
  ];
  for (const [text, name, operator, value] of valid) {
    it(`parses ${text}`, () => {
      const parsed = parseMatcher(text);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      assert.deepEqual(
        {
          name: parsed.matcher.name,
          operator: parsed.matcher.operator,
          value: parsed.matcher.value,
        },
        { name, operator, value },
      );
    });
  }

  const invalid: [string, RegExp][] = [
    ['severity', /bad matcher format: severity/],
    ['=critical', /bad matcher format: =critical/],
    ['1abc=x', /bad matcher format: 1abc=x/],
    ['team-name=x', /bad matcher format: team-name=x/],
    ['a=="x"', /unescaped double quote: a=="x"/],
    ['a="unterminated', /unescaped double quote: a="unterminated/],
    ['a=mid"dle', /unescaped double quote/],
    ['a="x"y"', /unescaped double quote/],
    ['a=~"(unclosed"', /invalid regular expression in matcher a=~"\(unclosed"/],
    ['a=~"(?U)x"', /not supported/],
  ];
  for (const [text, error] of invalid) {
    it(`refuses ${text}, naming it`, () => {
      const parsed = parseMatcher(text);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.error, error);
    });
  }
});

describe('parseMatchers', () => {
  it('splits a comma-separated list with optional braces, not inside quotes', () => {
    const parsed = parseMatchers('{team="db", path="/a,b", severity=~"crit.*" , }');
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.matchers.map((m) => [m.name, m.operator, m.value]),
      [
        ['team', '=', 'db'],
        ['path', '=', '/a,b'],
        ['severity', '=~', 'crit.*'],
      ],
    );
  });

  it('refuses an empty entry and names a bad member', () => {
    assert.equal(parseMatchers('  ').ok, false);
    const parsed = parseMatchers('team="db", oops');
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.error, /bad matcher format: oops \(/);
  });
});

function matches(text: string, labels: Record<string, string>): boolean {
  const parsed = parseMatchers(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return matchesAll(parsed.matchers, labels);
}

describe('matching semantics', () => {
  it('anchors regexes on both ends as Alertmanager does', () => {
    assert.equal(matches('severity=~"crit"', { severity: 'critical' }), false);
    assert.equal(matches('severity=~"crit.*"', { severity: 'critical' }), true);
    assert.equal(matches('severity=~"critical|warning"', { severity: 'warning' }), true);
    assert.equal(matches('severity=~"critical|warning"', { severity: 'xwarning' }), false);
    assert.equal(matches('severity!~"crit"', { severity: 'critical' }), true);
  });

  it('compares equality exactly and case-sensitively', () => {
    assert.equal(matches('team="db"', { team: 'db' }), true);
    assert.equal(matches('team="db"', { team: 'DB' }), false);
    assert.equal(matches('team!="db"', { team: 'web' }), true);
    assert.equal(matches('team!="db"', { team: 'db' }), false);
  });

  it('treats a missing label as the empty string', () => {
    assert.equal(matches('team=""', {}), true);
    assert.equal(matches('team!="db"', {}), true);
    assert.equal(matches('team="db"', {}), false);
    assert.equal(matches('team=~".*"', {}), true);
    assert.equal(matches('team=~".+"', {}), false);
    assert.equal(matches('team!~".+"', {}), true);
  });

  it('needs every matcher of a list to hold; an empty list matches everything', () => {
    assert.equal(
      matches('team="db", severity="critical"', { team: 'db', severity: 'critical' }),
      true,
    );
    assert.equal(
      matches('team="db", severity="critical"', { team: 'db', severity: 'info' }),
      false,
    );
    assert.equal(matchesAll([], { team: 'db' }), true);
  });

  it("accepts Go's leading (?i) flag and (?P<name>) groups", () => {
    assert.equal(matches('severity=~"(?i)crit.*"', { severity: 'CRITICAL' }), true);
    assert.equal(matches('severity=~"(?i)crit"', { severity: 'CRITICAL' }), false);
    assert.equal(matches('host=~"(?P<h>web)-\\\\d+"', { host: 'web-12' }), true);
  });

  it('matches code points, not UTF-16 units, and accepts RE2-style identity escapes', () => {
    assert.equal(matches('icon=~"."', { icon: '🔥' }), true);
    assert.equal(matches('range=~"a\\\\-b"', { range: 'a-b' }), true);
  });
});
