/**
 * Tag readers we did not write, for tests: `ffprobe`/`ffmpeg` (Debian's
 * ffmpeg) and `music-metadata` (npm). Each returns what it reads of a
 * file's tags, cover and embedded lyrics, in a shape the tests compare.
 */
import { parseFile } from "music-metadata";

/** What a reader found in a file. */
export interface ReadTags {
  title: string | undefined;
  /** Every artist value the reader reports. */
  artists: string[];
  album: string | undefined;
  albumArtist: string | undefined;
  track: number | undefined;
  date: string | undefined;
  catalogId: string | undefined;
  sourceUrl: string | undefined;
  lyrics: string | undefined;
  cover: Uint8Array | undefined;
}

async function run(
  command: string,
  args: string[],
): Promise<{ stdout: Uint8Array; stderr: string; code: number }> {
  let output;
  try {
    output = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `'${command}' is not installed: the tag tests read files back with Debian's ffmpeg (apt-get install ffmpeg; .ci/run installs it)`,
      { cause: error },
    );
  }
  return {
    stdout: output.stdout,
    stderr: new TextDecoder().decode(output.stderr),
    code: output.code,
  };
}

/** ffprobe's format tags (keys as it prints them) and ffmpeg's copy of the attached picture. */
export async function readWithFfprobe(path: string): Promise<ReadTags> {
  const probe = await run("ffprobe", [
    "-v",
    "quiet",
    "-print_format",
    "json",
    "-show_format",
    path,
  ]);
  if (probe.code !== 0) throw new Error(`ffprobe failed on ${path}`);
  const tags = (JSON.parse(new TextDecoder().decode(probe.stdout)).format
    ?.tags ?? {}) as Record<string, string>;
  const get = (...names: string[]) => {
    for (const [key, value] of Object.entries(tags)) {
      if (names.includes(key.toLowerCase())) return value;
    }
    return undefined;
  };
  const picture = await run("ffmpeg", [
    "-v",
    "quiet",
    "-i",
    path,
    "-map",
    "0:v:0",
    "-c",
    "copy",
    "-f",
    "image2pipe",
    "-",
  ]);
  const artist = get("artist");
  const track = get("track");
  return {
    title: get("title"),
    // ffmpeg joins several Vorbis ARTIST values with ';' and reads only
    // the first value of a multi-valued ID3v2.4 frame or ilst item
    artists: artist === undefined ? [] : artist.split(";"),
    album: get("album"),
    albumArtist: get("album_artist"),
    track: track === undefined ? undefined : parseInt(track, 10),
    date: get("date"),
    catalogId: get("catalogsync_id"),
    sourceUrl: get("catalogsync_url"),
    lyrics: get("lyrics", "lyrics-xxx"),
    cover: picture.code === 0 && picture.stdout.length > 0
      ? picture.stdout
      : undefined,
  };
}

/** music-metadata's common and native tags. */
export async function readWithMusicMetadata(path: string): Promise<ReadTags> {
  const metadata = await parseFile(path);
  const common = metadata.common;
  const native = Object.values(metadata.native).flat();
  const nativeValue = (id: string) => {
    const tag = native.find((t) =>
      t.id === id || t.id === `TXXX:${id}` ||
      t.id === `----:com.apple.iTunes:${id}`
    );
    return typeof tag?.value === "string" ? tag.value : undefined;
  };
  return {
    title: common.title,
    artists: common.artists ?? [],
    album: common.album,
    albumArtist: common.albumartist,
    track: common.track.no ?? undefined,
    date: common.date,
    catalogId: nativeValue("CATALOGSYNC_ID"),
    sourceUrl: nativeValue("CATALOGSYNC_URL"),
    lyrics: common.lyrics?.[0]?.text,
    cover: common.picture?.[0]?.data,
  };
}
