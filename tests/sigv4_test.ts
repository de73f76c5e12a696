/**
 * SigV4 against AWS's published vectors: the generic test suite (double
 * encoding, normalized paths) and the S3 reference's worked examples.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  canonicalRequest,
  signRequest,
  stringToSign,
} from "../storage/sigv4.ts";

interface SuiteVector {
  name: string;
  req: string;
  creq?: string;
  sts?: string;
  authz: string;
}

interface Suite {
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  };
  region: string;
  service: string;
  vectors: SuiteVector[];
}

interface S3Vector {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string;
  signedHeaders: string;
  signature: string;
}

const dir = new URL("./testdata/sigv4/", import.meta.url);
const suite: Suite = JSON.parse(
  await Deno.readTextFile(new URL("aws_sigv4_test_suite.json", dir)),
);
const s3: { credentials: Suite["credentials"]; vectors: S3Vector[] } = JSON
  .parse(await Deno.readTextFile(new URL("s3_examples.json", dir)));

/** A `.req` file: request line, `Name:value` headers, a blank line, the body. */
function parseReq(text: string) {
  const [head, ...bodyParts] = text.split("\n\n");
  const [requestLine, ...headerLines] = head!.split("\n");
  const match = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine!)!;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  const host =
    Object.entries(headers).find(([k]) => k.toLowerCase() === "host")![1];
  return {
    method: match[1]!,
    url: new URL(`https://${host}${match[2]}`),
    headers,
    body: bodyParts.join("\n\n"),
  };
}

const sha256 = (text: string) =>
  createHash("sha256").update(text).digest("hex");

for (const vector of suite.vectors) {
  Deno.test(`signRequest() matches the AWS SigV4 test suite: ${vector.name}`, () => {
    const req = parseReq(vector.req);
    const request = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      payloadHash: sha256(req.body),
    };
    const options = {
      credentials: {
        accessKeyId: suite.credentials.accessKeyId,
        secretAccessKey: suite.credentials.secretAccessKey,
      },
      region: suite.region,
      service: suite.service,
      date: new Date(Date.UTC(2015, 7, 30, 12, 36, 0)),
      s3: false,
    };
    const canonical = canonicalRequest(request, options).text;
    if (vector.creq) assert.equal(canonical, vector.creq);
    if (vector.sts) assert.equal(stringToSign(canonical, options), vector.sts);
    assert.equal(signRequest(request, options).authorization, vector.authz);
  });
}

for (const vector of s3.vectors) {
  Deno.test(`signRequest() matches the S3 reference's example: ${vector.name}`, () => {
    const signed = signRequest({
      method: vector.method,
      url: new URL(vector.url),
      headers: vector.headers,
      payloadHash: sha256(vector.payload),
    }, {
      credentials: s3.credentials,
      region: "us-east-1",
      service: "s3",
      date: new Date(Date.UTC(2013, 4, 24)),
    });
    assert.equal(
      signed.authorization,
      `AWS4-HMAC-SHA256 Credential=${s3.credentials.accessKeyId}/20130524/us-east-1/s3/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
    );
    assert.equal(signed["x-amz-content-sha256"], sha256(vector.payload));
    assert.equal(signed["x-amz-date"], "20130524T000000Z");
  });
}

Deno.test("signRequest() signs a session token and never puts the secret in a header", () => {
  const secret = "SECRET-never-shown-0123456789";
  const signed = signRequest({
    method: "PUT",
    url: new URL("http://127.0.0.1:9000/bucket/a b/é+x.flac"),
    headers: {},
    payloadHash: "UNSIGNED-PAYLOAD",
  }, {
    credentials: {
      accessKeyId: "AKID",
      secretAccessKey: secret,
      sessionToken: "TOKEN",
    },
    region: "eu-west-1",
    service: "s3",
    date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });
  assert.equal(signed["x-amz-security-token"], "TOKEN");
  assert.match(
    signed.authorization!,
    /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
  );
  assert.ok(!JSON.stringify(signed).includes(secret));
  const canonical = canonicalRequest({
    method: "PUT",
    url: new URL("http://127.0.0.1:9000/bucket/a b/é+x.flac"),
    headers: {},
    payloadHash: "UNSIGNED-PAYLOAD",
  }, {
    credentials: { accessKeyId: "AKID", secretAccessKey: secret },
    region: "eu-west-1",
    service: "s3",
    date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  }).text;
  // S3: each key segment encoded once; the port stays in the host
  assert.match(
    canonical,
    /^PUT\n\/bucket\/a%20b\/%C3%A9%2Bx\.flac\n\nhost:127\.0\.0\.1:9000\n/,
  );
});
