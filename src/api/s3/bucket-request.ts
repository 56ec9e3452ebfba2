import { projectId } from '../../platform/auth.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { S3Call } from './context.ts';
import { malformedXml, parseXml } from './xml.ts';

// What the bucket configuration operations share: reading their XML bodies and naming owners.


/** An element's children, or MalformedXML when it is text or absent; an empty element is `{}`. */
export function element(value: unknown): Record<string, unknown> {
  if (value === '') return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformedXml();
  return value as Record<string, unknown>;
}

/** A text element, or undefined when absent; anything else is MalformedXML. */
export function text(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw malformedXml();
}

/** A repeated element as a list (the parser gives one or many). */
export function many(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The body's root element; another root is MalformedXML. */
export async function readConfig(call: S3Call, root: string): Promise<Record<string, unknown>> {
  const body = await call.readBody();
  const doc = parseXml(body.toString('utf8'));
  if (!(root in doc)) throw malformedXml();
  return element(doc[root]);
}

/** The error for a configuration the bucket does not have (mapped to NoSuchTagSet, NoSuchCORSConfiguration, ...). */
export function notConfigured(configuration: string, bucket: string): ObjectError {
  return new ObjectError('NoSuchConfiguration', `The bucket has no ${configuration} configuration.`, { configuration, bucket });
}

/**
 * A project as an S3 owner: its id, and its name as DisplayName when the caller belongs to it
 * (another project's name is not the caller's to learn).
 */
export function owner(call: S3Call, project: string): { ID: string; DisplayName: string } {
  const scope = call.caller?.scope;
  const name = scope?.kind === 'project' && projectId(call.caller!) === project ? scope.project.name : project;
  return { ID: project, DisplayName: name };
}
