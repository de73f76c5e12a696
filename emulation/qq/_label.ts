/**
 * What the QQ gateway (`_gateway.ts`) hands a label and what a label
 * answers: the session, the request's particulars, the label's code and
 * data.
 *
 * @module
 */
import type { FaultRule } from "../faults.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import type { Tier } from "./_catalog.ts";

/** Who a request comes from: a tier, or a key the service does not take. */
export type Session =
  | { tier: Tier; uin: string }
  | { tier: "invalid"; uin: string };

/** A label's answer: its `code` and, on success, its `data`. */
export interface LabelAnswer {
  /** The label's code: 0, or the service's refusal. */
  code: number;
  /** What the label answers. */
  data?: unknown;
}

/** What the gateway tells a label about the request. */
export interface LabelCall {
  /** Where the request went. */
  route: Route;
  /** The frame's context (clock, signer, URLs, the world). */
  context: EmulatorContext;
  /** Who is asking. */
  session: Session;
  /** Whether it came through the zzc-signed `musics.fcg` (sign checked). */
  signed: boolean;
  /** Whether the envelope's `comm` is the Android app's (`ct` 11, a QIMEI). */
  app: boolean;
  /** The emulation's clock at the request. */
  now: number;
  /** A scripted business fault the label answers itself (vkey code 0). */
  fault: FaultRule | undefined;
}
