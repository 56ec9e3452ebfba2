import { Forbidden } from '../errors.ts';
import { parseRule, type Check } from './parser.ts';

/** What a caller's token says about them, in oslo.policy's credential vocabulary. */
export interface Credentials {
  user_id: string;
  user_domain_id: string;
  project_id?: string;
  project_domain_id?: string;
  domain_id?: string;
  system_scope?: 'all';
  roles: string[];
  token: {
    user: { id: string; domain: { id: string } };
    project?: { id: string; domain: { id: string } };
    domain?: { id: string };
  };
}

export type Target = Record<string, unknown>;

/** Thrown on a rule reference cycle so the whole check fails closed (a `not` can't invert it). */
class RuleCycle extends Error {}

/**
 * oslo.policy-compatible enforcement: rules are check strings (`role:reader and system_scope:all`),
 * registered as defaults by each service and overridable by the operator's policy file.
 */
export class PolicyEngine {
  private readonly sources = new Map<string, string>();
  private readonly compiled = new Map<string, Check>();
  private overrides: Record<string, string> = {};

  registerDefaults(rules: Record<string, string>): void {
    for (const [name, rule] of Object.entries(rules)) this.sources.set(name, rule);
    this.applyOverrides(this.overrides);
  }

  /** Operator overrides win over defaults, now and for defaults registered later. */
  applyOverrides(rules: Record<string, string>): void {
    // Parse now so a broken policy file stops the start instead of failing requests later.
    for (const [name, rule] of Object.entries(rules)) {
      try {
        parseRule(rule);
      } catch (err) {
        throw new Error(`policy rule '${name}' is invalid`, { cause: err });
      }
    }
    this.overrides = { ...this.overrides, ...rules };
    for (const [name, rule] of Object.entries(this.overrides)) this.sources.set(name, rule);
    this.compiled.clear();
  }

  check(action: string, creds: Credentials, target: Target): boolean {
    try {
      return this.evaluate(action, creds, target, new Set());
    } catch (e) {
      if (e instanceof RuleCycle) return false;
      throw e;
    }
  }

  enforce(action: string, creds: Credentials, target: Target): void {
    if (!this.check(action, creds, target)) {
      throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
    }
  }

  private evaluate(name: string, creds: Credentials, target: Target, seen: Set<string>): boolean {
    if (seen.has(name)) throw new RuleCycle(name); // a rule that references itself never grants anything
    const check = this.compile(name);
    if (!check) return false;
    const next = new Set(seen).add(name);
    return check({ creds, target, rule: (ref) => this.evaluate(ref, creds, target, next) });
  }

  private compile(name: string): Check | undefined {
    let check = this.compiled.get(name);
    if (!check) {
      const source = this.sources.get(name);
      if (source === undefined) return undefined;
      check = parseRule(source);
      this.compiled.set(name, check);
    }
    return check;
  }
}
