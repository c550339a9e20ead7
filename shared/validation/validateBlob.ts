/**
 * Validates a blob before any MediaMagic call (docs/design.md, decision 5), from its properties and its first
 * bytes. A rejection is terminal and its message says what is wrong and what to do about it.
 *
 * Checks run in the order a person would fix them: the name (room for its results name included,
 * ./resultsRoom.ts), then emptiness (a failed upload), the type, the extension against the type, the size
 * cap, and last the bytes against the type.
 *
 * A missing Content-Type, or the generic `application/octet-stream` that many upload tools send, carries
 * no information: the type is then taken from the extension, and the bytes must still match it.
 */
import { blobNameProblem } from './blobName.js';
import {
  acceptedExtensions,
  categoryOf,
  describeMime,
  extensionOf,
  extensionsFor,
  isAllowedMime,
  likelyMeant,
  maxBytesFor,
  mimeTypesForExtension,
  normaliseMime,
  ALLOWED_MIME_TYPES,
  type AllowedMime,
  type MediaCategory,
} from './mediaTypes.js';
import { resultsRoomProblem } from './resultsRoom.js';
import { detectType, sniffMatches } from './sniff.js';

/** How many leading bytes to fetch (one ranged GET) for {@link validateBlob}'s content check. */
export const SNIFF_BYTES = 4096;

/** What is known about the blob: its properties and its first bytes (up to {@link SNIFF_BYTES}). */
export interface BlobToValidate {
  /** The blob name within its container, folders included. */
  readonly name: string;
  readonly contentType: string | undefined;
  readonly contentLength: number;
  readonly firstBytes: Uint8Array;
}

/** Why a blob was refused. */
export type RejectionKind =
  'unsupported-type' | 'extension-mismatch' | 'too-large' | 'empty' | 'invalid-name' | 'content-mismatch';

/** A terminal refusal, with a message a person can act on. */
export interface Rejection {
  readonly kind: RejectionKind;
  readonly message: string;
}

/** Where the accepted type came from. */
export type MimeSource = 'content-type' | 'extension';

/** The outcome of {@link validateBlob}. */
export type BlobValidation =
  | {
      readonly ok: true;
      /** The allowlisted type to declare to MediaMagic. */
      readonly mime: AllowedMime;
      readonly category: MediaCategory;
      readonly mimeSource: MimeSource;
    }
  | { readonly ok: false; readonly rejection: Rejection };

/** Content types that say nothing about the content: infer from the extension instead. */
const UNINFORMATIVE_TYPES: readonly string[] = ['', 'application/octet-stream'];

/** Validates one blob. Never throws. */
export function validateBlob(input: BlobToValidate): BlobValidation {
  const nameProblem = blobNameProblem(input.name);
  if (nameProblem !== undefined) return reject('invalid-name', nameProblem);
  // A name that cannot carry its results would spend credits on results nobody can ever read (decision 5).
  const roomProblem = resultsRoomProblem(input.name);
  if (roomProblem !== undefined) return reject('invalid-name', roomProblem);
  const { name } = input;

  // NaN and negative lengths are treated as empty: nothing usable can be submitted either way.
  if (!(input.contentLength > 0)) {
    return reject('empty', `${name} is empty (0 bytes); the upload probably failed — upload the file again`);
  }

  const typed = resolveType(name, input.contentType);
  if (!typed.ok) return typed;
  const { mime, mimeSource } = typed;

  const sizeProblem = checkSize(name, mime, input.contentLength);
  if (sizeProblem) return sizeProblem;

  if (!sniffMatches(mime, input.firstBytes)) return contentMismatch(name, mime, mimeSource, input.firstBytes);

  return { ok: true, mime, category: categoryOf(mime), mimeSource };
}

type ResolvedType =
  { ok: true; mime: AllowedMime; mimeSource: MimeSource } | { ok: false; rejection: Rejection };

function resolveType(name: string, contentType: string | undefined): ResolvedType {
  const declared = normaliseMime(contentType ?? '');
  const extension = extensionOf(name);
  if (UNINFORMATIVE_TYPES.includes(declared)) return typeFromExtension(name, extension);
  if (!isAllowedMime(declared)) return unsupportedType(name, declared);
  const expected = mimeTypesForExtension(extension ?? '');
  if (!expected.includes(declared)) return extensionMismatch(name, declared, extension, expected);
  return { ok: true, mime: declared, mimeSource: 'content-type' };
}

function typeFromExtension(name: string, extension: string | undefined): ResolvedType {
  const [inferred] = mimeTypesForExtension(extension ?? '');
  if (inferred !== undefined) return { ok: true, mime: inferred, mimeSource: 'extension' };
  const accepted = acceptedExtensions()
    .map((e) => `.${e}`)
    .join(', ');
  if (extension === undefined) {
    return reject(
      'unsupported-type',
      `${name} has no Content-Type and no file extension, so its type cannot be told; set its Content-Type ` +
        `or give it one of these extensions: ${accepted}`,
    );
  }
  return reject(
    'unsupported-type',
    `${name} has no Content-Type and its extension .${extension} is not one MediaMagic accepts; convert it ` +
      `to a supported format (${accepted}) or set its Content-Type`,
  );
}

function unsupportedType(name: string, declared: string): ResolvedType {
  const meant = likelyMeant(declared);
  if (meant !== undefined) {
    return reject(
      'unsupported-type',
      `${name} is declared ${declared}, which is not a registered type; set its Content-Type to ${meant}`,
    );
  }
  const topLevel = declared.slice(0, declared.indexOf('/') + 1);
  const sameFamily = ALLOWED_MIME_TYPES.filter((t) => topLevel !== '' && t.startsWith(topLevel));
  const choices = (sameFamily.length > 0 ? sameFamily : ALLOWED_MIME_TYPES).join(', ');
  return reject(
    'unsupported-type',
    `${name} is declared ${declared || '(blank)'}, which MediaMagic does not accept; convert it to one of ` +
      `${choices}, or fix its Content-Type if it is wrong`,
  );
}

function extensionMismatch(
  name: string,
  declared: AllowedMime,
  extension: string | undefined,
  expected: readonly AllowedMime[],
): ResolvedType {
  const wanted = extensionsFor(declared)
    .map((e) => `.${e}`)
    .join(' or ');
  const has =
    extension === undefined
      ? 'has no file extension'
      : expected.length === 0
        ? `has the extension .${extension}, which MediaMagic does not accept`
        : `has the extension .${extension} (${expected.join(' or ')})`;
  return reject(
    'extension-mismatch',
    `${name} is declared ${declared} but ${has}; rename it to end in ${wanted}, or fix its Content-Type if ` +
      'that is what is wrong',
  );
}

function checkSize(name: string, mime: AllowedMime, size: number): BlobValidation | undefined {
  const max = maxBytesFor(mime);
  if (size <= max) return undefined;
  return reject(
    'too-large',
    `${name} is ${formatBytes(size)} (${size} bytes); MediaMagic accepts ${categoryOf(mime)} files up to ` +
      `${formatBytes(max)} (${max} bytes); compress or split it and upload it again`,
  );
}

function contentMismatch(
  name: string,
  mime: AllowedMime,
  mimeSource: MimeSource,
  firstBytes: Uint8Array,
): BlobValidation {
  const detected = detectType(firstBytes);
  const looks =
    detected === undefined
      ? `its first bytes do not look like ${describeMime(mime)}`
      : `its bytes look like ${describeMime(detected)} (${detected})`;
  const claim =
    mimeSource === 'content-type'
      ? `is declared ${mime}`
      : `has no Content-Type, so its type was taken from its extension (${mime})`;
  const fix =
    mimeSource === 'content-type'
      ? 'upload the right file or fix its Content-Type'
      : 'upload the right file, or rename it and set its Content-Type';
  return reject('content-mismatch', `${name} ${claim} but ${looks}; ${fix}`);
}

/** Binary units, as MediaMagic's error-handling guide computes its caps: "5 GiB", "512.5 MiB". */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

function reject(kind: RejectionKind, message: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { kind, message } };
}
