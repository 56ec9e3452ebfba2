/**
 * Parser for oslo.policy check strings, so operators can paste the policy files they already
 * know (including SCS's domain-manager policy) into sovcloud unchanged.
 *
 *   expr  := and ('or' and)*          and := unary ('and' unary)*
 *   unary := 'not' unary | '(' expr ')' | '@' | '!' | KIND ':' MATCH
 */
export interface CheckInput {
  creds: object;
  target: object;
  rule: (name: string) => boolean;
}

export type Check = (input: CheckInput) => boolean;

export class PolicySyntaxError extends Error {}

export function parseRule(source: string): Check {
  const tokens = tokenize(source);
  if (tokens.length === 0) return () => true;
  let pos = 0;

  const peek = (): string | undefined => tokens[pos];
  const take = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new PolicySyntaxError(`unexpected end of rule '${source}'`);
    return t;
  };

  function expr(): Check {
    const parts = [and()];
    while (peek()?.toLowerCase() === 'or') {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : (i) => parts.some((p) => p(i));
  }

  function and(): Check {
    const parts = [unary()];
    while (peek()?.toLowerCase() === 'and') {
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : (i) => parts.every((p) => p(i));
  }

  function unary(): Check {
    const t = take();
    if (t.toLowerCase() === 'not') {
      const inner = unary();
      return (i) => !inner(i);
    }
    if (t === '(') {
      const inner = expr();
      if (take() !== ')') throw new PolicySyntaxError(`missing ')' in rule '${source}'`);
      return inner;
    }
    return atom(t);
  }

  const check = expr();
  if (pos !== tokens.length) throw new PolicySyntaxError(`unexpected '${tokens[pos]}' in rule '${source}'`);
  return check;
}

/**
 * Splits on white space, then peels grouping parentheses off each word's ends the way
 * oslo.policy does, so the parentheses inside `%(target.id)s` stay part of their check.
 */
function tokenize(source: string): string[] {
  const out: string[] = [];
  for (const word of source.split(/\s+/).filter(Boolean)) {
    const lead = /^\(*/.exec(word)![0].length;
    const trail = /\)*$/.exec(word.slice(lead))![0].length;
    const core = word.slice(lead, word.length - trail);
    out.push(...Array<string>(lead).fill('('));
    if (core) out.push(core);
    out.push(...Array<string>(trail).fill(')'));
  }
  return out;
}

function atom(token: string): Check {
  if (token === '@') return () => true;
  if (token === '!') return () => false;
  const colon = token.indexOf(':');
  if (colon < 0) throw new PolicySyntaxError(`'${token}' is not a check`);
  const kind = token.slice(0, colon);
  const match = token.slice(colon + 1);
  if (kind === 'rule') return (i) => i.rule(match);
  if (kind === 'role') {
    return (i) => {
      const wanted = interpolate(match, i.target)?.toLowerCase();
      const roles = lookup(i.creds, 'roles');
      return wanted !== undefined && Array.isArray(roles) && roles.some((r) => String(r).toLowerCase() === wanted);
    };
  }
  const literal = parseLiteral(kind);
  return (i) => {
    const expected = interpolate(match, i.target);
    if (expected === undefined) return false;
    if (literal.isLiteral) return expected === literal.text;
    const actual = lookup(i.creds, kind);
    // An absent credential never matches, even against an absent target value: a
    // project-scoped token has no domain_id and must not pass `domain_id:%(target.domain_id)s`.
    if (actual === undefined || actual === null) return false;
    return expected === String(actual);
  };
}

function parseLiteral(kind: string): { isLiteral: boolean; text: string } {
  const quoted = /^(['"])(.*)\1$/.exec(kind);
  if (quoted) return { isLiteral: true, text: quoted[2]! };
  if (kind === 'None' || kind === 'True' || kind === 'False') return { isLiteral: true, text: kind };
  if (/^-?\d+(\.\d+)?$/.test(kind)) return { isLiteral: true, text: kind };
  return { isLiteral: false, text: kind };
}

/** `%(target.user.domain_id)s` → the value in the target, as Python's str() would print it. */
function interpolate(match: string, target: object): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]+)\)s/g, (_, path: string) => {
    const v = lookupFlat(target, path);
    if (v === undefined) missing = true;
    return pythonStr(v);
  });
  return missing ? undefined : out;
}

function pythonStr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** oslo.policy flattens targets, so `target.user.id` may be a nested path or a dotted key. */
function lookupFlat(obj: object, path: string): unknown {
  if (Object.hasOwn(obj, path)) return (obj as Record<string, unknown>)[path];
  return lookup(obj, path);
}

function lookup(obj: object, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
