import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The operator's policy overrides: `<stateDir>/policy.yaml` (YAML or JSON, as oslo.policy reads
 * it), mapping rule names to check strings.
 */
export function loadPolicyOverrides(stateDir: string): Record<string, string> {
  const file = join(stateDir, 'policy.yaml');
  if (!existsSync(file)) return {};
  const data = parse(readFileSync(file, 'utf8')) as unknown;
  if (data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new Error(`${file} must map rule names to check strings`);
  }
  return data as Record<string, string>;
}
