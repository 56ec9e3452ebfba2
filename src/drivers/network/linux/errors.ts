import { SovError } from '../../../platform/errors.ts';

/** A host command or process of the Linux data plane failed; the message carries its stderr. */
export class NetworkBackendError extends SovError {}
