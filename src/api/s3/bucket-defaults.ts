import type { Bucket } from '../../services/object-storage/types.ts';
import { notConfigured } from './bucket-request.ts';
import type { S3Call, S3Operation, S3Routes } from './context.ts';
import { sendXml } from './object-headers.ts';
import { S3_NS, toXml } from './xml.ts';

// Configurations this cloud does not offer, answered as S3 answers for a bucket that has none:
// tools that read every bucket setting (Terraform, consoles) then work, while setting one is
// NotImplemented (the router's answer for an unrouted S3 operation).

/** BucketLoggingStatus predates the S3 namespace and keeps its own. */
const LOGGING_NS = 'http://doc.s3.amazonaws.com/2006-03-01';

function reading(answer: (call: S3Call, bucket: Bucket) => void): S3Operation {
  return async (call) => answer(call, await call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig'));
}

function absent(configuration: string): S3Operation {
  return reading((_call, bucket) => {
    throw notConfigured(configuration, bucket.name);
  });
}

function empty(root: string, body: Record<string, unknown> = {}, namespace = S3_NS): S3Operation {
  return reading((call) => sendXml(call.reply, toXml(root, body, namespace)));
}

/** Deleting a configuration that cannot exist succeeds, as S3's deletes are idempotent. */
async function deleteNothing(call: S3Call): Promise<void> {
  await call.objects.getBucket(call.caller, call.bucket!, 's3:PutBucketConfig');
  call.reply.code(204).send();
}

export const bucketDefaultRoutes: S3Routes = {
  'GET bucket website': absent('website'),
  'GET bucket replication': absent('replication'),
  'GET bucket object-lock': absent('object-lock'),
  'GET bucket ownershipControls': absent('ownershipControls'),
  'GET bucket publicAccessBlock': absent('publicAccessBlock'),
  'GET bucket logging': empty('BucketLoggingStatus', {}, LOGGING_NS),
  'GET bucket notification': empty('NotificationConfiguration'),
  'GET bucket accelerate': empty('AccelerateConfiguration'),
  'GET bucket requestPayment': empty('RequestPaymentConfiguration', { Payer: 'BucketOwner' }),
  'DELETE bucket website': deleteNothing,
  'DELETE bucket replication': deleteNothing,
  'DELETE bucket ownershipControls': deleteNothing,
  'DELETE bucket publicAccessBlock': deleteNothing,
};
