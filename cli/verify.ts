/**
 * `catalogsync verify`: checks every recorded file where it is stored.
 *
 * @module
 */
import { formatBytes, formatDuration } from "../tasks/format.ts";
import {
  verify,
  type VerifyOptions,
  type VerifySummary,
} from "../tasks/verify.ts";
import { storageAccess } from "./_storage_access.ts";
import { listedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";

/** `catalogsync verify`. */
export const command: Command = defineCommand({
  usage: "catalogsync verify [--backend B] [--full] [--repair]",
  help:
    `Checks every location of every backend (or of --backend B): that the file is
there with its recorded size (and ETag, where one was recorded), and with
--full that its SHA-256 is the recorded one (read at disk speed, or over the
network for a bucket or drive, with a progress bar). A file that is gone is
marked missing, a changed one corrupt, one that came back counts again. An
offline backend (an unplugged disk, a server that does not answer) is
reported and left as it is.

--repair plans the songs that lost their only copy for the next
'catalogsync download'. Exit status 3 when something is missing or corrupt.

Options:
  --backend B            only this backend (a name from 'catalogsync storage list')
  --full                 also hash every file and compare its SHA-256
  --repair               plan songs without a good copy for the next download`,
  options: {
    backend: { type: "string" },
    full: { type: "boolean" },
    repair: { type: "boolean" },
  },
  catalog: "existing",
  toOptions: (values): VerifyOptions => ({
    ...(values.backend === undefined ? {} : { backend: values.backend }),
    full: values.full === true,
    repair: values.repair === true,
  }),
  run: (context, options, { io }) =>
    verify(context, { ...options, ...storageAccess(io) }),
  format: formatVerifySummary,
});

/** The text form of a verify summary. */
export function formatVerifySummary(summary: VerifySummary): string {
  const lines = [
    `verify ${summary.status}${
      summary.full ? " (full)" : ""
    }: ${summary.checked} files checked, ${summary.ok} ok, ${summary.missing} missing, ${summary.corrupt} corrupt${
      summary.full ? `, ${formatBytes(summary.bytesHashed)} hashed` : ""
    } (${formatDuration(summary.durationMs)})`,
  ];
  if (summary.restored > 0) {
    lines.push(
      `  ${summary.restored} files marked missing or corrupt before are right again`,
    );
  }
  for (const s of summary.skipped) {
    lines.push(`  skipped ${s.backend} (${s.files} files): ${s.reason}`);
  }
  lines.push(...listedLines(
    summary.problems,
    (p) => `  ${p.state} ${p.backend} ${p.locator} (${p.song}): ${p.reason}`,
    "",
  ));
  if (summary.stillOwned > 0) {
    lines.push(
      `  ${summary.stillOwned} of those songs still have a good copy elsewhere`,
    );
  }
  if (summary.repaired > 0) {
    lines.push(
      `  ${summary.repaired} songs planned again: run 'catalogsync download'`,
    );
  } else if (summary.missing + summary.corrupt > summary.stillOwned) {
    lines.push(
      "  run 'catalogsync verify --repair' to plan the songs without a good copy again",
    );
  }
  return lines.join("\n");
}
