/**
 * What `--record` leaves out of a recording: logins and keys, wherever
 * they travel. Cookies (`MUSIC_U`, `MUSIC_A`, `qm_keyst`, `qqmusic_key`,
 * `uin`, Kuwo's `Hm_Iuvt_*`...), the `Secret` header, and values named
 * like a secret (musickey, `authst`, vkeys, `uin`, `g_tk`, tokens) in
 * query strings, form bodies, JSON bodies (nested, and inside URLs held in
 * strings, such as QQ's `purl`) are replaced by `REDACTED`; so is any
 * occurrence of a secret the run was given (the credentials), raw or
 * URL-encoded. What is not secret stays, so that a recording still tells
 * what happened: cookie names, `os=pc`, the anonymous `uin=0`.
 *
 * @module
 */

/** What a secret is replaced by. */
export const REDACTED = "REDACTED";

/**
 * Names (lower case) whose values are secrets wherever they appear: query
 * parameters, form fields, JSON keys and cookies.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  // NetEase
  "music_u",
  "music_a",
  "__csrf",
  "csrf_token",
  "__remember_me",
  // QQ Music (protocols/qq.md §1.3, §1.4, §7)
  "qm_keyst",
  "qqmusic_key",
  "musickey",
  "authst",
  "uin",
  "qqmusic_uin",
  "wxuin",
  "p_uin",
  "loginuin",
  "hostuin",
  "musicid",
  "qq",
  "g_tk",
  "g_tk_new_20200303",
  "login_key",
  "vkey",
  "ekey",
  "psrf_qqaccess_token",
  "psrf_qqrefresh_token",
  "psrf_qqopenid",
  "psrf_access_token_expiresat",
  "wxopenid",
  "wxrefresh_token",
  "wxunionid",
  // Kuwo (protocols/kuwo.md §2)
  "secret",
  "csrf",
  "kw_token",
  "hm_token",
  // anyone's
  "token",
  "access_token",
  "refresh_token",
  "authorization",
  "cookie",
  "password",
]);

/** Header names whose whole value is a secret. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "secret",
  "authorization",
  "proxy-authorization",
  "csrf",
  "cross",
]);

/** Cookies whose values are not secrets and help a bug report. */
const PLAIN_COOKIES: ReadonlySet<string> = new Set([
  "os",
  "appver",
  "osver",
  "channel",
  "versioncode",
  "buildver",
  "resolution",
  "mobilename",
  "wevnsm",
  "tmelogintype",
  "login_type",
]);

/** Values kept under a secret's name: they say "anonymous" (`uin=0`, `g_tk=5381`). */
const ANONYMOUS: ReadonlySet<string> = new Set(["", "0", "5381"]);

/** Whether a name (of a cookie, field or parameter) is one whose value is secret. */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || lower.startsWith("hm_iuvt_");
}

function redactedValue(value: string): string {
  return ANONYMOUS.has(value) ? value : REDACTED;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/**
 * `name=value` pairs anywhere in a string (a query, a form body, a URL in
 * a JSON string, Kuwo's `$`-less pseudo-queries) with the values of secret
 * names redacted.
 */
export function redactPairs(text: string): string {
  return text.replace(
    /(^|[?&;,\s#])([A-Za-z0-9_.%-]+)=([^&;#\s"',]*)/g,
    (whole, before: string, name: string, value: string) =>
      isSecretName(decoded(name))
        ? `${before}${name}=${redactedValue(decoded(value))}`
        : whole,
  );
}

/** A URL with the secret values of its query (and fragment) redacted. */
export function redactUrl(url: string): string {
  const start = url.search(/[?#]/);
  return start < 0 ? url : url.slice(0, start) + redactPairs(url.slice(start));
}

/** A `Cookie` header: every value but the plain ones redacted, names kept. */
export function redactCookies(header: string): string {
  return header.split(";").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq < 0) return pair;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1).trim();
    return PLAIN_COOKIES.has(name.trim().toLowerCase())
      ? pair
      : `${name}=${redactedValue(value)}`;
  }).join(";");
}

/** `Set-Cookie` lines: each cookie's value redacted unless plain, its attributes kept. */
export function redactSetCookies(header: string): string {
  return header.split("\n").map((line) => {
    const [first = "", ...attributes] = line.split(";");
    return [redactCookies(first), ...attributes].join(";");
  }).join("\n");
}

/** Headers with cookies, `Secret` and secret-bearing URLs redacted. */
export function redactHeaders(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[name] = lower === "cookie"
      ? redactCookies(value)
      : lower === "set-cookie"
      ? redactSetCookies(value)
      : SECRET_HEADERS.has(lower)
      ? REDACTED
      : redactPairs(value);
  }
  return out;
}

/**
 * A JSON value with the values of secret keys redacted (at any depth) and
 * the strings in it scrubbed of secret `name=value` pairs.
 */
export function redactJson(value: unknown): unknown {
  if (typeof value === "string") return redactPairs(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = isSecretName(key) && (typeof child !== "object" ||
          child === null)
        ? redactedValue(child === null ? "" : String(child))
        : redactJson(child);
    }
    return out;
  }
  return value;
}

/**
 * Every occurrence of the given secrets (and of their URL-encoded forms)
 * in the strings of a JSON value replaced by `REDACTED`. Secrets shorter
 * than 5 characters are not looked for: they would match everywhere.
 */
export function scrubSecrets(
  value: unknown,
  secrets: readonly string[],
): unknown {
  const forms = [
    ...new Set(
      secrets.filter((s) => s.length >= 5).flatMap((s) => [
        s,
        encodeURIComponent(s),
        new URLSearchParams({ s }).toString().slice(2),
      ]),
    ),
  ].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return value;
  const scrub = (item: unknown): unknown => {
    if (typeof item === "string") {
      return forms.reduce(
        (text, form) => text.split(form).join(REDACTED),
        item,
      );
    }
    if (Array.isArray(item)) return item.map(scrub);
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(
        Object.entries(item).map(([key, child]) => [scrub(key), scrub(child)]),
      );
    }
    return item;
  };
  return scrub(value);
}
