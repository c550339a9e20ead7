/**
 * Moved to devkit/azurite.ts. This forwarder only keeps branches written before the move compiling (the
 * soak split imports `AzuriteInstance` from here); delete it once nothing imports it.
 */
export * from '../../devkit/azurite.js';
