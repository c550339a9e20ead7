import type { ParsedValues } from './settings.js';

/** How the app reaches its storage account. */
export type StorageSettings =
  | { readonly kind: 'connection-string'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly blobServiceUri: string;
      readonly queueServiceUri: string;
      /** Client id of a user-assigned managed identity; absent = the system-assigned identity. */
      readonly clientId?: string;
    };

/**
 * The storage form the parsed settings select: the connection string when set (as the Functions host
 * prefers it), else identity-based access when both service URIs are set. Otherwise pushes one problem
 * naming what is missing and returns undefined.
 */
export function resolveStorage(values: ParsedValues, problems: string[]): StorageSettings | undefined {
  if (values.AzureWebJobsStorage !== undefined) {
    return { kind: 'connection-string', connectionString: values.AzureWebJobsStorage };
  }
  const blob = values.AzureWebJobsStorage__blobServiceUri;
  const queue = values.AzureWebJobsStorage__queueServiceUri;
  if (blob !== undefined && queue !== undefined) {
    const clientId = values.AzureWebJobsStorage__clientId;
    return {
      kind: 'identity',
      blobServiceUri: blob,
      queueServiceUri: queue,
      ...(clientId === undefined ? {} : { clientId }),
    };
  }
  problems.push(describeMissingStorage(blob !== undefined, queue !== undefined));
  return undefined;
}

function describeMissingStorage(hasBlob: boolean, hasQueue: boolean): string {
  const blobName = 'AzureWebJobsStorage__blobServiceUri';
  const queueName = 'AzureWebJobsStorage__queueServiceUri';
  if (hasBlob) return `${queueName} is required when ${blobName} is set (identity-based storage needs both)`;
  if (hasQueue) return `${blobName} is required when ${queueName} is set (identity-based storage needs both)`;
  return (
    'AzureWebJobsStorage is required (a storage connection string, or UseDevelopmentStorage=true for ' +
    `Azurite), unless ${blobName} and ${queueName} are set for identity-based access`
  );
}
