/**
 * The sidecar of a `.part` (`<final>.part.json`): what the `.part` holds,
 * read back to tell whether it can be resumed; and the small file helpers
 * `PartFile` shares.
 *
 * @module
 */
/** What a `.part` file holds: the offer it was started from. */
export interface PartIdentity {
  /** The platform. */
  platform: string;
  /** The platform's id of the song. */
  songRemoteId: string;
  /** The platform's level of the file. */
  level: string;
  /** File extension. */
  extension: string;
  /** Size the platform declared, if it did. */
  sizeBytes: number | null;
  /** MD5 the platform declared, if it did. */
  md5: string | null;
}

/** What a sidecar records: the offer, the ETag and the room before the body. */
export interface Sidecar extends PartIdentity {
  etag: string | null;
  /** Bytes of room before the body. */
  reserve: number;
}

/** Removes a file; one that is not there is fine. */
export async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** Whether two identities name the same file. */
export function sameIdentity(a: PartIdentity, b: PartIdentity): boolean {
  return a.platform === b.platform && a.songRemoteId === b.songRemoteId &&
    a.level === b.level && a.extension === b.extension &&
    a.sizeBytes === b.sizeBytes && a.md5 === b.md5;
}

/** A sidecar, or `undefined` when it is missing or unreadable. */
export async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    if (
      typeof value === "object" && value !== null &&
      typeof value.platform === "string" &&
      typeof value.songRemoteId === "string" &&
      typeof value.level === "string" && typeof value.extension === "string"
    ) {
      return {
        platform: value.platform,
        songRemoteId: value.songRemoteId,
        level: value.level,
        extension: value.extension,
        sizeBytes: typeof value.sizeBytes === "number" ? value.sizeBytes : null,
        md5: typeof value.md5 === "string" ? value.md5 : null,
        etag: typeof value.etag === "string" ? value.etag : null,
        reserve: Number.isSafeInteger(value.reserve) && value.reserve > 0
          ? value.reserve
          : 0,
      };
    }
  } catch {
    // missing or unreadable: not resumable
  }
  return undefined;
}

/** Size of a file, or `undefined` when it does not exist. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
